"""/metrics reads the cluster-wide figures a dashboard needs from the database and Redis."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from arq.constants import default_queue_name

from bot.app import create_app
from scrm.compliance.alerts import raise_alert
from scrm.infra import keys
from scrm.infra.settings import Settings
from scrm.models import Corp, SopPlan, SopRun
from tests.conftest import CORP_ID


def _value(text: str, series: str) -> float:
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    assert match, series
    return float(match.group(1))


async def test_metrics_show_sop_lateness_alerts_and_queue(aiohttp_client, db: Settings) -> None:  # type: ignore[no-untyped-def]
    corp = await Corp.get(corp_id=CORP_ID)
    now = datetime.now(UTC)
    plan = await SopPlan.create(corp_id=corp.id, name="群早报", starts_at=now)
    for due, status in ((-120, "planned"), (-600, "fired"), (-30, "planned"), (600, "planned")):
        await SopRun.create(
            corp_id=corp.id, plan=plan, step_id="1", target_id=f"wr{due}", owner_userid="zs",
            due_at=now + timedelta(seconds=due), status=status,
        )  # fmt: skip
    for i, ago in enumerate((10, 50, 90)):  # the 90-minute-old one is out of the hour
        await raise_alert(
            corp.id, kind="word", dedup_key=f"w{i}", occurred_at=now - timedelta(minutes=ago),
            context="…", staff_userid="zhangsan",
        )  # fmt: skip
    client = await aiohttp_client(create_app(db, run_sweeper=False))
    arq: ArqRedis = client.app[keys.ARQ]
    await arq.enqueue_job("process_inbox", 1, _defer_by=600)
    await arq.enqueue_job("process_inbox", 2, _defer_by=600)

    text = await (await client.get("/metrics")).text()

    assert 119 <= _value(text, "scrm_sop_due_oldest_seconds") < 140  # the fired one is not late
    assert _value(text, 'scrm_alerts_last_hour{kind="word"}') == 2
    assert _value(text, 'scrm_alerts_last_hour{kind="reply_timeout"}') == 0
    assert _value(text, "scrm_job_queue_depth") == 2
    assert await arq.zcard(default_queue_name) == 2
