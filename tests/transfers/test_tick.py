"""The worker's `transfers_tick`: due hand-overs polled, untold churn alerts sent once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.jobs.transfers import transfers_tick
from handlers import build_dispatcher
from scrm.infra import keys
from scrm.models import ChurnEvent, Handover, Lead
from scrm.services import transfers
from tests.callbacks import event_xml
from tests.conftest import CORP_ID
from tests.transfers.conftest import DAY, Linked, corp, seed_friends
from wecom.events import parse_event


async def test_tick_polls_due_hand_overs_and_tells_untold_losses(linked: Linked) -> None:
    c = await corp()
    a, b = await seed_friends(linked, "zhangsan", ["甲", "乙"])
    lead = await Lead.create(corp_id=c.id, external_userid=a, owner_userid="zhangsan")
    await transfers.start_customers(
        c, linked.client, handover="zhangsan", takeover="lisi", external_userids=[a]
    )
    ctx: dict[str, Any] = {
        "clients": linked.bot.app[keys.CLIENTS],
        "redis": linked.bot.app[keys.ARQ],
    }
    now = datetime.now(UTC)
    assert await transfers_tick(ctx, now) == {"digests": 0}  # not due: WeCom not asked
    await linked.sandbox.control("clock", {"advance": DAY})
    totals = await transfers_tick(ctx, now + timedelta(minutes=2))
    assert totals["done"] == 1
    assert (await Handover.get(external_userid=a)).status == "done"
    assert (await Lead.get(id=lead.id)).owner_userid == "lisi"

    # A deletion handled without a client or queue (a replay): recorded, told by the tick.
    plain = event_xml(
        CORP_ID, int(now.timestamp()), Event="change_external_contact",
        ChangeType="del_follow_user", UserID="zhangsan", ExternalUserID=b,
    )  # fmt: skip
    await build_dispatcher().feed(parse_event(plain), corp=c, inbox_id=1)
    assert (await ChurnEvent.get(external_userid=b)).notified_at is None
    assert (await transfers_tick(ctx, now))["churn_alerts"] == 1
    assert "churn_alerts" not in await transfers_tick(ctx, now)
    told = [
        r for r in await linked.sandbox.records("notification") if "乙" in r["data"]["content"]
    ]
    assert len(told) == 1
