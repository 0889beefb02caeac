"""Inbox → job → handler: one run per event, Redis outages, retries, dead rows and replay."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from prometheus_client import REGISTRY

from bot import inbox
from bot.app import create_app, make_arq
from bot.inbox_admin import replay
from bot.jobs.inbox import process_inbox
from bot.worker import build_worker
from scrm.enums import InboxStatus, RelationStatus
from scrm.infra import keys
from scrm.infra.settings import Settings
from scrm.models import FollowRelation, Inbox
from tests.callbacks import add_contact_xml, signed
from tests.conftest import CORP_ID
from wecom.crypto import WeComCrypto

URL = f"/wecom/callback/{CORP_ID}"
ADD_KIND = "change_external_contact.add_external_contact"


def processed(kind: str) -> float:
    return REGISTRY.get_sample_value("scrm_jobs_processed_total", {"kind": kind}) or 0.0


async def run_worker(settings: Settings) -> None:
    """Drain the queue once with a real arq worker on the real Redis."""
    worker = build_worker(settings, burst=True, sweeper=False)
    try:
        await worker.async_run()
    finally:
        await worker.close()


async def deliver(client: TestClient, crypto: WeComCrypto, plain: bytes) -> None:
    params, body = signed(crypto, plain)
    resp = await client.post(URL, params=params, data=body)
    assert resp.status == 200


async def test_three_deliveries_one_handler_run(
    aiohttp_client,
    settings: Settings,
    crypto: WeComCrypto,  # type: ignore[no-untyped-def]
) -> None:
    client = await aiohttp_client(create_app(settings, run_sweeper=False))
    plain = add_contact_xml(CORP_ID, "zhangsan", "wmOnce", int(time.time()), State="s")
    before = processed(ADD_KIND)
    for _ in range(3):
        await deliver(client, crypto, plain)
    await client.app[keys.ENQUEUER].stop()
    # A sweeper pass racing the edge must not add a second run either.
    await inbox.sweep_once(make_arq(settings), now=datetime.now(UTC) + timedelta(minutes=1))
    await run_worker(settings)
    await run_worker(settings)
    assert processed(ADD_KIND) == before + 1
    row = await Inbox.get(corp_id=CORP_ID)
    assert row.status == InboxStatus.HANDLED
    relation = await FollowRelation.get(customer__external_userid="wmOnce").prefetch_related(
        "staff"
    )
    assert relation.staff.userid == "zhangsan" and relation.status == RelationStatus.ACTIVE


async def test_redis_down_event_is_stored_then_processed_when_back(
    aiohttp_client,
    settings: Settings,
    crypto: WeComCrypto,  # type: ignore[no-untyped-def]
) -> None:
    down = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    client = await aiohttp_client(create_app(down, run_sweeper=False))
    started = time.perf_counter()
    await deliver(client, crypto, add_contact_xml(CORP_ID, "lisi", "wmOutage", 1700000000))
    assert time.perf_counter() - started < 1.0  # the ack does not wait for Redis
    await client.app[keys.ENQUEUER].stop()
    row = await Inbox.get(corp_id=CORP_ID)
    assert row.status == InboxStatus.PENDING
    failed_enqueue = REGISTRY.get_sample_value("scrm_inbox_enqueue_failed_total") or 0
    assert failed_enqueue >= 1
    # Redis "comes back": the sweeper (real Redis now) enqueues the stale row, a worker runs it.
    swept = await inbox.sweep_once(
        make_arq(settings), now=datetime.now(UTC) + inbox.SWEEP_GRACE + timedelta(seconds=1)
    )
    assert swept == 1
    await run_worker(settings)
    await row.refresh_from_db()
    assert row.status == InboxStatus.HANDLED
    assert await FollowRelation.filter(customer__external_userid="wmOutage").exists()


async def test_failures_back_off_then_die_then_replay(db: Settings) -> None:
    settings = db.model_copy(update={"inbox_max_attempts": 2})
    row = await Inbox.create(
        key="k1",
        corp_id="wwGONE",  # the corp was removed: every attempt fails
        kind=ADD_KIND,
        payload=add_contact_xml("wwGONE", "u", "wm1", 1700000000).decode(),
    )
    ctx = {"settings": settings, "dispatcher": None, "redis": None, "clients": None}
    assert await process_inbox(ctx, row.id) == "failed"
    await row.refresh_from_db()
    assert row.status == InboxStatus.FAILED and row.attempts == 1
    assert "wwGONE" in row.last_error
    assert row.next_attempt_at is not None and row.next_attempt_at > datetime.now(UTC)
    assert await process_inbox(ctx, row.id) == "failed"
    await row.refresh_from_db()
    assert row.status == InboxStatus.DEAD and row.attempts == 2
    assert await process_inbox(ctx, row.id) == "dead"  # dead rows are not run again by jobs

    arq = make_arq(settings)
    try:
        assert await replay(arq, None, [InboxStatus.DEAD]) == 1
        await row.refresh_from_db()
        assert row.status == InboxStatus.PENDING and row.attempts == 0 and row.replays == 1
        job_ids = await arq.queued_jobs()
        assert [j.job_id for j in job_ids] == [f"inbox:{row.key[:32]}:1:0"]
    finally:
        await arq.aclose()


async def test_failed_row_is_reenqueued_only_after_backoff(db: Settings) -> None:
    arq = make_arq(db)
    try:
        due = datetime.now(UTC) + timedelta(seconds=30)
        await Inbox.create(
            key="k2",
            corp_id=CORP_ID,
            kind="x",
            payload="<xml/>",
            status=InboxStatus.FAILED,
            attempts=1,
            next_attempt_at=due,
        )
        assert await inbox.sweep_once(arq) == 0
        assert await inbox.sweep_once(arq, now=due + timedelta(seconds=1)) == 1
    finally:
        await arq.aclose()


async def test_job_for_missing_row_is_harmless(db: Settings) -> None:
    ctx = {"settings": db, "dispatcher": None, "redis": None, "clients": None}
    assert await process_inbox(ctx, 987654) == "missing"


async def test_pending_row_whose_job_already_ended_moves_to_the_next_attempt(
    db: Settings, redis_client: Any
) -> None:
    # A worker stopped mid-job: arq holds a result for the id, the row never got an outcome.
    arq = make_arq(db)
    try:
        row = await Inbox.create(
            key="k3" * 20,
            corp_id=CORP_ID,
            kind="x",
            payload="<xml/>",
            status=InboxStatus.PENDING,
            received_at=datetime.now(UTC) - timedelta(minutes=5),
        )
        await redis_client.set(f"arq:result:inbox:{row.key[:32]}:0:0", b"x")
        assert await inbox.sweep_once(arq) == 1
        await row.refresh_from_db()
        assert row.attempts == 1 and row.status == InboxStatus.PENDING
        assert await redis_client.exists(f"arq:job:inbox:{row.key[:32]}:0:1")
    finally:
        await arq.aclose()
