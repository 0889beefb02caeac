"""Each worker's journey scans: every second, a scanner for the lanes it may lease (0034)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from redis.exceptions import RedisError

from bot.jobs.sop import scan_lanes
from scrm.infra.logging import get_logger
from scrm.sop.journey_lanes import Node

log = get_logger("bot.jobs.journey_loop")
EVERY_S = 1.0
# A scanner normally ends within 50 s plus its last walk. One that hangs (a stuck query) would
# renew its leases for ever: cancelled here, it frees them. Below release_stuck's 5 minutes,
# so no run it claimed is handed to another scanner while it could still walk it.
SCAN_TIMEOUT_S = 240.0


def _done(task: asyncio.Task[dict[str, int]]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("journey.scan_failed", error=repr(exc), exc_info=exc)


async def journey_loop(ctx: dict[str, Any], node: Node, grace_s: float) -> None:
    """Every second, lease this worker's share of the free lanes and scan them in a task of
    their own, until `ctx["stopping"]` is set; then let the scanners walk what they hold for
    up to `grace_s` (they stop claiming at once) and cancel what is left.

    Not an arq cron: a cron's second goes to whichever worker polls first, and a worker that
    already holds its share skips it — in a two-process test one worker took every second for
    the whole look-ahead and the other's lanes waited. Here every worker asks every second."""
    stopping: asyncio.Event = ctx["stopping"]
    scans: set[asyncio.Task[dict[str, int]]] = set()
    try:
        paused = ctx.get("paused", lambda: False)
        while not stopping.is_set():
            if paused():  # welcomes in flight (bot/bulk_yield.py): as arq starts no job now
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), EVERY_S)
                continue
            try:
                lease = await node.take(ctx["redis"])
            except (RedisError, OSError) as exc:  # Redis away: try again next second
                log.warning("journey.lanes_untaken", error=str(exc))
            else:
                if lease.lanes:
                    task = asyncio.create_task(
                        asyncio.wait_for(scan_lanes(ctx, lease), SCAN_TIMEOUT_S)
                    )
                    task.add_done_callback(_done)
                    scans.add(task)
                    task.add_done_callback(scans.discard)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), EVERY_S)
    finally:
        if scans:
            await asyncio.wait(set(scans), timeout=grace_s)
        for task in list(scans):  # past the grace: their runs go back by release_stuck
            task.cancel()
        for task in list(scans):
            with contextlib.suppress(asyncio.CancelledError):
                await task
