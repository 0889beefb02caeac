"""The welcome lane: a Redis list of adds waiting for their welcome, taken in batches.

arq starts jobs one at a time, each with about six sequential Redis round trips, and polls
its queue; under a poster burst that start-up cost was most of the welcome's queue wait
(docs/decisions/0033). A list is pushed in one RPUSH per edge batch and taken with one BLPOP
plus one LPOP for the rest of a batch, so a waiting worker wakes the moment an add arrives.
Each item is `inbox_id:enqueued_ms`. Each welcome's timings are kept (the last `KEEP`) for
`bench/welcome_burst.py`'s breakdown.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis

from scrm.infra.logging import get_logger

log = get_logger("scrm.infra.welcome_lane")

LANE = "scrm:welcome:lane"
TIMINGS = "scrm:welcome:timings"
KEEP = 5000
# Set while welcomes are being taken (bot/bulk_yield.py): `up`'s bulk worker waits for it to lapse.
BUSY = "scrm:welcome:busy"
BUSY_MS = 500

Item = tuple[int, int]  # (inbox id, enqueued at, ms since the epoch)


def now_ms() -> int:
    return int(time.time() * 1000)


async def push(redis: Redis, inbox_ids: Sequence[int]) -> None:
    """Queue welcomes for these inbox rows; raises on Redis errors (the sweeper covers them)."""
    if inbox_ids:
        stamp = now_ms()
        await redis.rpush(LANE, *(f"{i}:{stamp}" for i in inbox_ids))  # type: ignore[misc]


def _parse(raw: bytes | str) -> Item | None:
    text = raw.decode() if isinstance(raw, bytes) else raw
    head, _, stamp = text.partition(":")
    if not head.isdigit() or not stamp.isdigit():
        log.warning("welcome_lane.junk_dropped", item=text[:64])  # not jamming the lane
        return None
    return int(head), int(stamp)


async def take(redis: Redis, limit: int, wait: float) -> list[Item]:
    """Up to `limit` items, waiting at most `wait` seconds for the first (0: don't wait)."""
    if wait > 0:
        first = await redis.blpop([LANE], timeout=wait)  # type: ignore[misc,arg-type]
        if first is None:
            return []
        raws = [first[1]]
    else:
        raws = []
    rest = await redis.lpop(LANE, limit - len(raws)) if limit > len(raws) else None  # type: ignore[misc]
    raws += rest or []
    if raws:
        await redis.set(BUSY, b"1", px=BUSY_MS)
    return [item for raw in raws if (item := _parse(raw)) is not None]


async def record(redis: Redis, inbox_id: int, enqueued: int, started: int, outcome: str) -> None:
    """Keep one welcome's lane timings (ms since the epoch) for the benchmark's breakdown."""
    entry = {"id": inbox_id, "enqueued": enqueued, "started": started, "done": now_ms()}
    async with redis.pipeline(transaction=False) as pipe:
        pipe.lpush(TIMINGS, json.dumps({**entry, "outcome": outcome}))
        pipe.ltrim(TIMINGS, 0, KEEP - 1)
        await pipe.execute()


async def timings(redis: Redis) -> dict[int, dict[str, Any]]:
    """The kept timings by inbox id (the newest when an add was welcomed twice)."""
    out: dict[int, dict[str, Any]] = {}
    for raw in await redis.lrange(TIMINGS, 0, -1):  # type: ignore[misc]
        entry = json.loads(raw)
        out.setdefault(int(entry["id"]), entry)
    return out
