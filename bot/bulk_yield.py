"""`up`'s bulk worker yields to welcomes in flight: it starts no job while the lane is busy.

On one machine the bulk worker's add follow-ups (≈ 15 queries and 2–3 WeCom calls each) share
PostgreSQL, the CPU and WeCom's connection with the welcomes they follow; `nice` covers only
the Python half. With the bulk worker paused during a poster burst the quiet p99 fell from
≈ 1.1 s to ≈ 50 ms (docs/benchmarks.md). Jobs already running finish; a pause lasts at most
`max_pause` seconds, then the worker runs for `RESUME_SECONDS` before it may pause again, so
crons and lead drains are delayed, never starved (decision 0033).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from scrm.infra import welcome_lane

POLL_SECONDS = 0.05
RESUME_SECONDS = 1.0


class Pausable(Protocol):
    allow_pick_jobs: bool


async def yield_to_welcomes(
    worker: Pausable, redis: Redis, stop: asyncio.Event, max_pause: float
) -> None:
    """Until `stop`: hold `worker` back while the welcome lane is busy (see the module)."""
    paused_since: float | None = None
    resumed_at = 0.0
    while not stop.is_set():
        now = time.monotonic()
        try:
            busy = bool(await redis.exists(welcome_lane.BUSY))
        except (RedisError, OSError):
            busy = False  # no Redis, no welcomes to make room for
        if busy and paused_since is None and now - resumed_at >= RESUME_SECONDS:
            paused_since = now
        elif paused_since is not None and (not busy or now - paused_since >= max_pause):
            paused_since, resumed_at = None, now
        worker.allow_pick_jobs = paused_since is None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_SECONDS)
    worker.allow_pick_jobs = True
