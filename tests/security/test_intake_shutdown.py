"""SIGTERM: the worker lets a job in flight finish within the grace instead of cancelling it."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.app import make_arq
from bot.jobs.names import DRAIN_LEAD_EVENTS
from bot.runner import supervise_worker
from bot.settings import Settings
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
    assert took < 5  # a batch boundary, not the whole backlog nor the full grace
