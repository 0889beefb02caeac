"""The SOP scan runs one at a time: a second scan while one fires does nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.jobs.sop import sop_scan
from scrm.infra import keys
from scrm.models import SopRun
from scrm.sop.scan import SCAN_LOCK
from tests.sop.conftest import Linked
from tests.sop.test_execution import groups, plan


async def test_a_scan_skips_while_another_holds_the_lock(linked: Linked) -> None:
    chats = await groups(linked, "zhangsan", 2)
    p = await plan(linked)
    await SopRun.filter(plan_id=p["id"]).update(due_at=datetime.now(UTC) - timedelta(seconds=1))
    redis = linked.bot.app[keys.ARQ]
    ctx = {"redis": redis, "clients": linked.bot.app[keys.CLIENTS]}
    await redis.set(SCAN_LOCK, "1")  # another scan is firing
    assert await sop_scan(ctx) == 0
    assert set(await SopRun.filter(plan_id=p["id"]).values_list("status", flat=True)) == {
        "planned"
    }
    await redis.delete(SCAN_LOCK)
    assert await sop_scan(ctx) == 2
    assert await redis.get(SCAN_LOCK) is None  # released when done
    tasks = [m["data"]["targets"] for m in await linked.sandbox.records("mass_message")]
    assert [sorted(t["zhangsan"]) for t in tasks] == [sorted(chats)]  # one task, both groups
