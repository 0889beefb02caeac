"""The notifier: admins and the staff member's manager are told once per alert, one message
each when few, a digest for a burst, never more than the rate limit per window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from bot.jobs.compliance_alerts import compliance_notify
from scrm.compliance import notifier
from scrm.compliance.alerts import raise_alert
from scrm.compliance.team_settings import settings_for
from scrm.infra import keys
from scrm.models import Alert, Corp, Staff
from tests.compliance.conftest import Linked
from tests.conftest import CORP_ID

T0 = datetime(2026, 11, 25, 3, 0, 5, tzinfo=UTC)  # just after a rate window starts
_n = count(1)


async def setup(linked: Linked) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    (row := await settings_for(corp.id)).notify_userids = ["wangwu"]
    await row.save()
    await Staff.filter(corp_id=corp.id, userid="zhangsan").update(manager_userid="lisi")


async def alerts(n: int, severity: str = "high") -> list[int]:
    corp = await Corp.get(corp_id=CORP_ID)
    ids = []
    for _ in range(n):
        i = next(_n)
        alert = await raise_alert(
            corp.id,
            kind="action",
            dedup_key=f"t:{i}",
            occurred_at=T0,
            severity=severity,
            context=f"张三 删除了客户「客户{i}」 电话13812345678",
            staff_userid="zhangsan",
        )
        assert alert is not None
        ids.append(alert.id)
    return ids


async def run(linked: Linked, now: datetime) -> int:
    ctx = {"redis": linked.bot.app[keys.ARQ], "clients": linked.bot.app[keys.CLIENTS]}
    return await compliance_notify(ctx, now=now)


async def sent(linked: Linked) -> list[tuple[str, str]]:
    notes = await linked.sandbox.records("notification")
    return [(n["data"]["touser"][0], n["data"]["content"]) for n in notes]


async def test_each_alert_goes_to_admins_and_the_manager_once(linked: Linked) -> None:
    await setup(linked)
    first, second = await alerts(2)
    assert await run(linked, T0) == 4
    got = await sent(linked)
    assert sorted(to for to, _ in got) == ["lisi", "lisi", "wangwu", "wangwu"]
    text = next(body for to, body in got if f"告警 #{first}" in body)
    assert text.startswith("【合规告警·高】敏感行为") and "张三（zhangsan）" in text
    assert "138****5678" in text and "13812345678" not in text
    assert all(a.notified_at == T0 for a in await Alert.all())
    assert await run(linked, T0 + timedelta(minutes=1)) == 0  # nothing twice
    assert len(await sent(linked)) == 4 and second


async def test_a_burst_is_one_digest_per_person(linked: Linked) -> None:
    await setup(linked)
    await alerts(8)
    await alerts(4, severity="critical")
    assert await run(linked, T0) == 2
    got = dict(await sent(linked))
    assert set(got) == {"wangwu", "lisi"}
    digest = got["wangwu"]
    assert digest.startswith("【合规告警汇总】共 12 条待处理（严重 4 · 高 8）")
    lines = digest.splitlines()
    assert "严重" in lines[1] and lines[-1] == "其余 2 条请在管理后台查看"
    assert len(digest.encode()) <= 2048


async def test_rate_limit_holds_messages_and_the_next_window_gets_them(linked: Linked) -> None:
    await setup(linked)
    await alerts(3)
    assert await run(linked, T0) == 6  # three each: used 3 of 5
    await alerts(3)
    assert await run(linked, T0 + timedelta(seconds=30)) == 2  # 3 > 2 left: one digest each
    await alerts(1)
    assert await run(linked, T0 + timedelta(seconds=60)) == 2  # the 5th message
    await alerts(2)
    assert await run(linked, T0 + timedelta(seconds=90)) == 0  # at the limit: held
    assert all(a.notified_at is not None for a in await Alert.all())
    per_person = [to for to, _ in await sent(linked)]
    assert per_person.count("wangwu") == per_person.count("lisi") == notifier.RATE_LIMIT
    nxt = T0 + timedelta(seconds=notifier.RATE_WINDOW)
    assert await run(linked, nxt) == 4  # the two held alerts, one message each
    assert len(await sent(linked)) == 2 * notifier.RATE_LIMIT + 4


async def test_alerts_decided_before_sending_and_people_without_a_manager(
    linked: Linked,
) -> None:
    await setup(linked)
    corp = await Corp.get(corp_id=CORP_ID)
    (closed,) = await alerts(1)
    await Alert.filter(id=closed).update(status="resolved")
    lone = await raise_alert(
        corp.id, kind="word", dedup_key="t:lone", occurred_at=T0, word="返现", staff_userid="x"
    )
    assert lone is not None
    assert await run(linked, T0) == 1
    got: list[Any] = await sent(linked)
    assert len(got) == 1 and got[0][0] == "wangwu" and "敏感词：返现" in got[0][1]


def test_the_worker_runs_both_crons(linked: Linked) -> None:
    from bot.worker import build_worker

    worker = build_worker(linked.settings, sweeper=False)
    names = {job.name for job in worker.cron_jobs}
    assert {"compliance_notify", "compliance_reply_timeouts"} <= names
