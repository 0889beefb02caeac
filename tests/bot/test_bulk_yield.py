"""`up`'s bulk worker starts no job while welcomes are in flight, and is never starved."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import redis.asyncio as aioredis

from bot import bulk_yield
from scrm.infra import welcome_lane


@dataclass
class _Worker:
    allow_pick_jobs: bool = True


async def _watch(worker: _Worker, seconds: float) -> list[bool]:
    seen = []
    for _ in range(int(seconds / 0.05)):
        seen.append(worker.allow_pick_jobs)
        await asyncio.sleep(0.05)
    return seen


async def test_pauses_while_the_lane_is_busy_then_resumes(redis_client: aioredis.Redis) -> None:
    worker, stop = _Worker(), asyncio.Event()
    task = asyncio.create_task(bulk_yield.yield_to_welcomes(worker, redis_client, stop, 10.0))
    await asyncio.sleep(0.2)
    assert worker.allow_pick_jobs  # an idle lane holds nothing back
    # A welcome worker takes a batch: the busy flag goes up for BUSY_MS.
    await welcome_lane.push(redis_client, [1])
    assert len(await welcome_lane.take(redis_client, 10, 0)) == 1
    await asyncio.sleep(0.2)
    assert not worker.allow_pick_jobs
    await asyncio.sleep(welcome_lane.BUSY_MS / 1000 + 0.2)
    assert worker.allow_pick_jobs  # the flag lapsed: jobs start again
    stop.set()
    await asyncio.wait_for(task, 2)
    assert worker.allow_pick_jobs


async def test_a_long_burst_pauses_at_most_max_pause_then_lets_jobs_run(
    redis_client: aioredis.Redis,
) -> None:
    worker, stop = _Worker(), asyncio.Event()
    await redis_client.set(welcome_lane.BUSY, b"1", px=60_000)  # welcomes without end
    task = asyncio.create_task(bulk_yield.yield_to_welcomes(worker, redis_client, stop, 0.5))
    seen = await _watch(worker, 0.5 + bulk_yield.RESUME_SECONDS + 0.3)
    stop.set()
    await asyncio.wait_for(task, 2)
    paused, resumed = seen.index(False), seen.index(True, seen.index(False))
    # Paused at once, back after about max_pause, and held back again only after the resume.
    assert paused <= 3 and 6 <= resumed - paused <= 20
    assert all(seen[resumed : resumed + int(bulk_yield.RESUME_SECONDS / 0.05) - 3])
    assert False in seen[resumed:]


async def test_the_journey_loop_starts_no_scan_while_the_worker_holds_back() -> None:
    """The journey loop is no arq job, so it reads the same pause the bulk worker's jobs obey."""
    from bot.jobs import journey_loop

    class _Lease:
        lanes: list[int] = []

    class _Node:
        takes = 0

        async def take(self, redis: object) -> _Lease:
            self.takes += 1
            return _Lease()

    held, node, stop = [True], _Node(), asyncio.Event()
    ctx = {"stopping": stop, "paused": lambda: held[0], "redis": None}
    task = asyncio.create_task(journey_loop.journey_loop(ctx, node, 1.0))  # type: ignore[arg-type]
    await asyncio.sleep(journey_loop.EVERY_S * 1.5)
    assert node.takes == 0  # welcomes in flight: no lanes taken, no scan started
    held[0] = False
    await asyncio.sleep(journey_loop.EVERY_S * 1.5)
    assert node.takes >= 1
    stop.set()
    await asyncio.wait_for(task, 3)
