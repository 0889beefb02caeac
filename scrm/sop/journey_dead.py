"""Which journey scanners are dead: their worker's heartbeat stopped, or they gave up (0037)."""

from __future__ import annotations

import time as clock
from typing import Any

from redis.exceptions import RedisError

WORKERS_KEY = "scrm:journey:workers"  # sorted set: worker id → last heartbeat (ms)
SINCE_KEY = "scrm:journey:workers:since"  # when this Redis's heartbeat set began (ms)
ALIVE_MS = 10_000  # a worker not heard from for this long is no longer counted


def worker_of(claimer: str) -> str:
    """A scanner's claim is "<worker id>:<scanner>"."""
    return claimer.split(":")[0]


async def dead_claimers(redis: Any, me: str, abandoned: set[str], claimers: set[str]) -> set[str]:
    """Of `claimers`, those surely dead: this worker's own `abandoned` ones, and those of
    workers not heard from for ALIVE_MS although the heartbeat set has existed that long (a
    restarted Redis starts the set again, and every live worker beats into it before anyone
    is called dead). Redis away: only this worker's own."""
    gone = claimers & abandoned
    workers = sorted({worker_of(c) for c in claimers} - {me})
    if not workers:
        return gone
    try:
        since = await redis.get(SINCE_KEY)
        now = int(clock.time() * 1000)
        if since is None or now - int(since) < ALIVE_MS:
            return gone
        scores = await redis.zmscore(WORKERS_KEY, workers)
    except (RedisError, OSError):
        return gone
    lost = {w for w, at in zip(workers, scores, strict=True) if at is None or at < now - ALIVE_MS}
    return gone | {c for c in claimers if worker_of(c) in lost}
