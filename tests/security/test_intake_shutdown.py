"""SIGTERM: the worker lets a job in flight finish within the grace instead of cancelling it."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.app import make_arq
from bot.runner import supervise_worker
from scrm.infra.job_names import DRAIN_LEAD_EVENTS
from scrm.infra.settings import Settings
from scrm.models import LeadEvent
from scrm.services import lead_batch
from tests.security._intake_helpers import db_source


@pytest.mark.timeout(120)
async def test_a_drain_in_flight_finishes_its_batch_and_stops_cleanly(
    db: Settings, redis_client: aioredis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = await db_source()
    for i in range(12):
        await LeadEvent.create(
            corp_id=source.corp_id,  # type: ignore[attr-defined]
            source_id=source.id,
            platform="form",
            message_id=f"m{i}",
            body=json.dumps({"name": f"p{i}", "phone": f"1390000{i:04d}"}),
        )
    real = lead_batch.ingest_batch

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(1.2)  # a batch that takes a while (a big one, a slow database)
        return await real(*args, **kwargs)

    monkeypatch.setattr(lead_batch, "BATCH", 1)
    monkeypatch.setattr(lead_batch, "ingest_batch", slow)
    settings = db.model_copy(update={"worker_shutdown_grace_seconds": 20.0})
    stop = asyncio.Event()
    worker = asyncio.create_task(supervise_worker(settings, stop, sweeper=False))
    arq = make_arq(settings)
    try:
        await arq.enqueue_job(DRAIN_LEAD_EVENTS, _job_id="drain-under-test")
        deadline = time.monotonic() + 30
        while not await LeadEvent.filter(status="processing").exists():
            assert time.monotonic() < deadline, "the drain never started"
            await asyncio.sleep(0.05)
        started = time.monotonic()
        stop.set()  # what SIGTERM does in `scrm-bot up` / `worker`
        await asyncio.wait_for(worker, 25)
        took = time.monotonic() - started
    finally:
        await arq.aclose()
    statuses = await LeadEvent.all().values_list("status", flat=True)
    # The batch in hand was finished (not cancelled and left `processing` for the sweeper's
    # timeout); the drain then stopped instead of working through the backlog.
    assert "processing" not in statuses
    assert 1 <= statuses.count("done") <= 2 and statuses.count("pending") >= 10
    # Well under the 20 s grace: it stopped at a batch boundary (5 s was flaky at load 12+).
    assert took < 15


async def test_inbox_jobs_of_a_killed_worker_are_rerun_without_waiting_half_an_hour(
    db: Settings, redis_client: aioredis.Redis
) -> None:
    from datetime import UTC, datetime, timedelta

    from arq.constants import in_progress_key_prefix

    from bot import inbox
    from scrm.enums import InboxStatus
    from scrm.infra.job_names import IN_PROGRESS_TTL_MS, inbox_job_id
    from scrm.models import Inbox

    old = datetime.now(UTC) - timedelta(minutes=5)
    killed = await Inbox.create(key="a" * 64, corp_id="ww1", payload="<xml/>", received_at=old)
    running = await Inbox.create(key="b" * 64, corp_id="ww1", payload="<xml/>", received_at=old)
    await Inbox.filter(id__in=[killed.id, running.id]).update(received_at=old)
    # SIGKILL mid-job: arq's in-progress mark outlives the worker (set 100 s ago) …
    await redis_client.psetex(
        in_progress_key_prefix + inbox_job_id(killed.key, 0), IN_PROGRESS_TTL_MS - 100_000, b"1"
    )
    # … unlike a job another worker started a second ago.
    await redis_client.psetex(
        in_progress_key_prefix + inbox_job_id(running.key, 0), IN_PROGRESS_TTL_MS - 1_000, b"1"
    )
    arq = make_arq(db)
    try:
        assert await inbox.sweep_once(arq) == 2
        queued = {j.job_id for j in await arq.queued_jobs()}
    finally:
        await arq.aclose()
    await killed.refresh_from_db()
    await running.refresh_from_db()
    assert (killed.status, killed.attempts) == (InboxStatus.PENDING, 1)
    assert running.attempts == 0
    assert inbox_job_id(killed.key, 1) in queued  # re-run now under the next attempt's id
