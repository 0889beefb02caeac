"""Background operations end visibly: a stopping app marks the ones it interrupts failed."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from admin.api import admin_settings_tasks
from scrm.infra import background, progress


async def test_shutdown_interrupts_and_reports(redis_client: aioredis.Redis) -> None:
    started = asyncio.Event()

    async def forever(op_id: str) -> None:
        started.set()
        await asyncio.sleep(3600)

    op_id, fresh = await admin_settings_tasks.launch(redis_client, "sync", 1, forever)
    again, second = await admin_settings_tasks.launch(redis_client, "sync", 1, forever)
    assert fresh and not second and again == op_id  # one per corp: the second joins it
    await started.wait()
    await background.shutdown()
    state = await progress.read(redis_client, op_id)
    assert state is not None and state["state"] == "failed" and "中断" in state["message"]
    assert not background._running
