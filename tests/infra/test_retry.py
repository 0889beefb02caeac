"""The one retry policy: its backoff and tries, the worker's registrations, and real arq runs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio as aioredis
from arq import create_pool
from arq.connections import RedisSettings
from arq.constants import retry_key_prefix
from arq.worker import Retry, Worker

from scrm.infra import job_names, retry
from scrm.infra.retry import MAX_TRIES, Kind
from scrm.infra.settings import Settings
from tests.conftest import REDIS_URL, make_settings
from wecom.errors import SystemBusy


def test_backoff_doubles_per_try_up_to_an_hour_with_jitter() -> None:
    expected = [(0, 10), (1, 10), (2, 20), (3, 40), (9, 2560), (10, 3600), (40, 3600)]
    for attempts, middle in expected:
        for _ in range(50):
            seconds = retry.backoff(attempts, 10).total_seconds()
            assert middle * 0.8 <= seconds <= middle * 1.2, (attempts, seconds)
    waits = {retry.backoff(3, 10).total_seconds() for _ in range(20)}
    assert len(waits) > 1  # jittered: failures of one moment do not return together
    assert 8 <= retry.backoff(1).total_seconds() <= 12  # the default base


def test_every_worker_job_is_registered_by_the_policy(tmp_path: Any) -> None:
    from bot.worker import build_worker

    settings = make_settings(f"sqlite://{tmp_path / 'x.db'}")
    worker = build_worker(settings, sweeper=False)
    tries = {name: f.max_tries for name, f in worker.functions.items()}
    expected_kind = {
        job_names.PROCESS_INBOX: Kind.ROWS,
        job_names.DRAIN_LEAD_EVENTS: Kind.ROWS,
        job_names.MASS_SEND_RUN: Kind.ROWS,
        job_names.RESCORE_LEADS: Kind.ARQ,
        job_names.REFRESH_CUSTOMER: Kind.ARQ,
        job_names.REFRESH_GROUP: Kind.ARQ,
        job_names.REFRESH_TAGS: Kind.ARQ,
        job_names.CORP_SYNC: Kind.ONCE,
        job_names.EXPORT_FILE: Kind.ONCE,
    }
    for name, kind in expected_kind.items():
        assert tries[name] == retry.TRIES[kind], name
    # Every cron runs once per period: the next period is its retry.
    assert {worker.functions[c.name].max_tries for c in worker.cron_jobs} == {1}
    assert set(tries) == set(expected_kind) | {c.name for c in worker.cron_jobs}
    assert worker.functions[job_names.PROCESS_INBOX].timeout_s == job_names.PROCESS_INBOX_TIMEOUT
    assert retry.TRIES == {Kind.ROWS: 3, Kind.ARQ: 3, Kind.ONCE: 1}


async def test_a_transient_failure_becomes_an_arq_retry_until_the_last_try() -> None:
    calls: list[int] = []

    async def flaky(ctx: dict[str, Any], x: int) -> int:
        calls.append(ctx["job_try"])
        raise SystemBusy(-1, "system busy")

    fn = retry.job(flaky, name="flaky", timeout=5, kind=Kind.ARQ)
    settings = make_settings("sqlite://:memory:", inbox_backoff_seconds=2.0)
    with pytest.raises(Retry) as caught:
        await fn.coroutine({"job_try": 1, "settings": settings}, 1)
    assert 1600 <= (caught.value.defer_score or 0) <= 2400  # backoff(1, 2 s), in ms
    with pytest.raises(Retry) as caught:
        await fn.coroutine({"job_try": 2, "settings": settings}, 1)
    assert 3200 <= (caught.value.defer_score or 0) <= 4800
    with pytest.raises(SystemBusy):  # the last try: the failure itself, for arq to record
        await fn.coroutine({"job_try": MAX_TRIES, "settings": settings}, 1)
    assert calls == [1, 2, MAX_TRIES]


async def test_a_lasting_failure_or_a_cancel_is_never_turned_into_a_retry() -> None:
    async def broken(ctx: dict[str, Any]) -> None:
        raise ValueError("a bug, not a blip")

    async def cancelled(ctx: dict[str, Any]) -> None:
        raise asyncio.CancelledError

    with pytest.raises(ValueError):
        await retry.job(broken, name="b", timeout=5, kind=Kind.ARQ).coroutine({"job_try": 1})
    with pytest.raises(asyncio.CancelledError):  # arq re-queues a cancelled job itself
        await retry.job(cancelled, name="c", timeout=5, kind=Kind.ARQ).coroutine({"job_try": 1})


async def _run_burst(functions: list[Any], settings: Settings) -> Worker:
    worker = Worker(
        functions=functions,
        redis_settings=RedisSettings.from_dsn(REDIS_URL),
        burst=True,
        poll_delay=0.01,
        handle_signals=False,
        ctx={"settings": settings},
    )
    try:
        await asyncio.wait_for(worker.async_run(), 20)
    finally:
        await worker.close()
    return worker


async def test_arq_retries_a_transient_failure_after_the_backoff(
    redis_client: aioredis.Redis,
) -> None:
    tries: list[int] = []

    async def refresh(ctx: dict[str, Any]) -> str:
        tries.append(ctx["job_try"])
        if len(tries) < 3:
            raise ConnectionError("WeCom unreachable")
        return "refreshed"

    pool = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    job = await pool.enqueue_job("refresh", _job_id="refresh:1")
    assert job is not None
    settings = make_settings("sqlite://:memory:", inbox_backoff_seconds=0.05)
    fn = retry.job(refresh, name="refresh", timeout=5, kind=Kind.ARQ)
    worker = await _run_burst([fn], settings)
    assert tries == [1, 2, 3]
    assert (worker.jobs_retried, worker.jobs_complete) == (2, 1)
    assert await job.result(timeout=1) == "refreshed"
    await pool.aclose()


async def test_a_killed_run_uses_a_try_once_jobs_are_not_rerun(
    redis_client: aioredis.Redis,
) -> None:
    """A worker killed mid-job leaves the job queued; arq counts the killed start (its INCR of
    arq:retry:<id>) when another worker picks it up. Row jobs run again; once-jobs never."""
    ran: list[tuple[str, int]] = []

    async def rows_job(ctx: dict[str, Any]) -> None:
        ran.append(("rows", ctx["job_try"]))

    async def once_job(ctx: dict[str, Any]) -> None:
        ran.append(("once", ctx["job_try"]))

    pool = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    for name in ("rows_job", "once_job"):
        await pool.enqueue_job(name, _job_id=f"{name}:1")
        await redis_client.set(retry_key_prefix + f"{name}:1", 1)  # the killed first start
    await _run_burst(
        [
            retry.job(rows_job, name="rows_job", timeout=5, kind=Kind.ROWS),
            retry.job(once_job, name="once_job", timeout=5, kind=Kind.ONCE),
        ],
        make_settings("sqlite://:memory:"),
    )
    assert ran == [("rows", 2)]
    await pool.aclose()
