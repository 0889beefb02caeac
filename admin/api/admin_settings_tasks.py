"""Long settings operations (staff sync, full re-score) run beside the web app, one per corp."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pydantic import BaseModel
from redis.asyncio import Redis

from scrm.infra import background, locks, progress
from scrm.infra.logging import get_logger

log = get_logger("admin.settings.tasks")
LOCK_SECONDS = 30 * 60  # a crashed process frees its corp's slot after this long


class Started(BaseModel):
    """The answer of a start: poll /api/v1/progress/{id}; `started` is false when the call
    joined an operation already running for the corp."""

    id: str
    started: bool


async def launch(
    redis: Redis, kind: str, corp_pk: int, work: Callable[[str], Awaitable[None]]
) -> tuple[str, bool]:
    """Start `work(op_id)` in the background unless one of this kind already runs for the corp;
    returns (the operation's progress id, whether this call started it)."""
    name = f"settings:{kind}:{corp_pk}"
    op_id = progress.new_id()
    # The lock's value is the running operation's id: a second start joins it.
    while (lock := await locks.take(redis, name, ttl=LOCK_SECONDS, token=op_id)) is None:
        running = await redis.get(name)
        if running is not None:
            return (running.decode() if isinstance(running, bytes) else str(running)), False
        # it ended between the two calls: try again
    await progress.report(redis, op_id, done=0, total=1, state="queued", message="排队中")

    async def run() -> None:
        try:
            await work(op_id)
        except asyncio.CancelledError:  # the app is stopping
            await progress.report(
                redis, op_id, done=0, total=1, state="failed", message="服务重启，操作已中断"
            )
            raise
        except Exception as exc:  # the page must hear that it ended, whatever happened
            log.exception("settings.task_failed", kind=kind, corp=corp_pk)
            await progress.report(
                redis, op_id, done=0, total=1, state="failed", message=f"执行失败：{exc}"
            )
        finally:
            await locks.release(lock)

    background.spawn(run(), name=f"settings-{kind}-{corp_pk}")
    return op_id, True
