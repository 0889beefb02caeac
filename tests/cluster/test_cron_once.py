"""Two arq workers on one Redis: every cron period runs once, a late sibling's enqueue too."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import redis.asyncio as aioredis
from arq import cron
from arq.connections import RedisSettings, create_pool
from arq.worker import Worker

from bot.jobs.cron_rules import CRON_RESULT_KEEP_SECONDS, cluster_cron
from bot.worker import build_worker
from tests.conftest import REDIS_URL, make_settings

RUNS = "test:cron:runs"


async def _tick(ctx: dict[str, Any]) -> None:
    await ctx["redis"].rpush(RUNS, ctx["job_id"])


def _worker(job: Any) -> Worker:
    return Worker(
        functions=[],
        cron_jobs=[job],
        redis_settings=RedisSettings.from_dsn(REDIS_URL),
        handle_signals=False,
        poll_delay=0.05,
    )


async def _close(worker: Worker) -> None:
    """arq's close cancels a cron job that started in the same instant; that is no failure."""
    with contextlib.suppress(asyncio.CancelledError):
        await worker.close()


async def test_two_workers_run_each_second_once(redis_client: aioredis.Redis) -> None:
    workers = [_worker(cluster_cron(_tick, name="tick", timeout=5, second=set(range(60))))]
    workers.append(_worker(cluster_cron(_tick, name="tick", timeout=5, second=set(range(60)))))
    tasks = [asyncio.create_task(w.async_run()) for w in workers]
    # At least three seconds' runs, however loaded the machine (a fixed 4.5 s saw none once).
    async with asyncio.timeout(30):
        while await redis_client.llen(RUNS) < 3:
            await asyncio.sleep(0.1)
    for w in workers:
        await _close(w)
    for t in tasks:
        t.cancel()
    runs = [r.decode() for r in await redis_client.lrange(RUNS, 0, -1)]
    assert len(runs) >= 3  # both scheduled every second; each second ran …
    assert len(runs) == len(set(runs))  # … exactly once
    assert sum(w.jobs_complete for w in workers) == len(runs)


async def test_a_late_sibling_cannot_rerun_a_finished_period(redis_client: aioredis.Redis) -> None:
    """A worker whose loop stalled enqueues a period another worker already finished."""
    pool = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    try:
        for job, expect_rerun in (
            (cron(_tick, name="plain", second=set(range(60))), True),  # arq's default: no result
            (cluster_cron(_tick, name="kept", timeout=5, second=set(range(60))), False),
        ):
            worker = _worker(job)
            task = asyncio.create_task(worker.async_run())
            while not await redis_client.llen(RUNS):
                await asyncio.sleep(0.05)
            await _close(worker)
            task.cancel()
            first = (await redis_client.lpop(RUNS)).decode()
            await redis_client.delete(RUNS)
            name, _, _ = first.partition(":")
            late = await pool.enqueue_job(name, _job_id=first)
            assert (late is not None) is expect_rerun, first
            await redis_client.flushdb()
    finally:
        await pool.aclose()


def test_every_worker_cron_keeps_its_result() -> None:
    """A cron added to the worker without cluster_cron would fire once per worker."""
    worker = build_worker(make_settings("sqlite://:memory:"), sweeper=False)
    assert len(worker.cron_jobs) >= 15
    for job in worker.cron_jobs:
        assert job.unique, job.name
        assert job.keep_result_s == CRON_RESULT_KEEP_SECONDS, job.name
