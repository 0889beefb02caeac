"""The welcome lane: batches in arrival order, junk dropped, a worker that wakes on a push."""

from __future__ import annotations

import asyncio

from bot.welcome_worker import WelcomeWorker
from scrm.enums import InboxStatus
from scrm.infra import keys, welcome_lane
from scrm.models import Inbox
from scrm.models.livecode import LiveCodeAdd
from tests.livecode.conftest import Linked
from tests.livecode.test_welcome_e2e import live_code


async def test_take_is_in_arrival_order_in_batches_and_drops_junk(linked: Linked) -> None:
    redis = linked.bot.app[keys.ARQ]
    await welcome_lane.push(redis, [11, 12])
    await redis.rpush(welcome_lane.LANE, "not-an-item", "13:x")
    await welcome_lane.push(redis, [14])
    first = await welcome_lane.take(redis, 2, 1.0)
    assert [i for i, _ in first] == [11, 12]
    assert all(stamp > 0 for _, stamp in first)
    # The two junk items are taken and dropped; the good one behind them still comes out.
    assert [i for i, _ in await welcome_lane.take(redis, 10, 0)] == [14]
    assert await welcome_lane.take(redis, 10, 0) == []
    assert await redis.llen(welcome_lane.LANE) == 0


async def test_waiting_worker_welcomes_as_soon_as_an_add_arrives(linked: Linked) -> None:
    code = await live_code(linked.client, ["zhangsan"])
    worker = WelcomeWorker(linked.settings)
    await worker.start()
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.sleep(0.2)  # the worker is blocked on the empty lane
        await linked.sandbox.control("scan", {"config_id": code.config_id, "name": "李雷"})
        for _ in range(100):
            if await linked.sandbox.records("welcome"):
                break
            await asyncio.sleep(0.05)
        assert len(await linked.sandbox.records("welcome")) == 1
    finally:
        stop.set()
        await asyncio.wait_for(running, 5)  # an idle worker notices the stop within its wait
        await worker.close(5)
    row = await Inbox.get(kind="change_external_contact.add_external_contact")
    timing = (await welcome_lane.timings(linked.bot.app[keys.ARQ]))[row.id]
    assert timing["outcome"] == "sent"
    assert timing["enqueued"] <= timing["started"] <= timing["done"]
    # The welcome worker queued the add's inbox job; the main worker does the rest once.
    assert row.status == InboxStatus.PENDING
    await linked.drain()
    add = await LiveCodeAdd.get(code_id=code.id)
    assert add.welcome == "sent" and add.welcome_ms is not None
    assert len(await linked.sandbox.records("welcome")) == 1


async def test_lost_inbox_row_is_a_no_op(linked: Linked) -> None:
    """An item whose row is gone (a restored database, a purge) is dropped, not retried."""
    redis = linked.bot.app[keys.ARQ]
    await welcome_lane.push(redis, [987_654])
    worker = WelcomeWorker(linked.settings)
    await worker.start()
    try:
        assert await worker.run_burst() == 1
    finally:
        await worker.close(5)
    assert (await welcome_lane.timings(redis))[987_654]["outcome"] == "done"
    assert await redis.llen(welcome_lane.LANE) == 0
    assert await redis.zcard("arq:queue") == 0
