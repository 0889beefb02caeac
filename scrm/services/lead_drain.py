"""Draining stored lead pushes in batches: drain slots with leases, the fence on a batch's
claim, and the sweep that hands back what a dead drain held."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.exceptions import RedisError

from scrm.infra import retry, table_stats
from scrm.infra.job_names import DRAIN_LEAD_EVENTS
from scrm.infra.logging import get_logger
from scrm.models import LeadEvent
from scrm.services import lead_batch

log = get_logger("scrm.services.lead_drain")


DRAIN_SLOTS = 2  # concurrent drains in the whole deployment; more only fight over people
SLOT_KEY = "lead:drain-slot:{}"
# A drain's slot names the claim stamp of the batch in hand and is renewed while the drain
# lives: a slot gone (its process killed) or naming another stamp marks a batch as dead.
SLOT_LEASE_MS = 15_000
SLOT_RENEW_S = 5.0
DEAD_AFTER = timedelta(seconds=10)  # a batch is this old before a sweep may call it dead
DEFER_PAUSE = 0.05  # seconds; a drain's batch holds its people for about this long


def claim_stamp(at: datetime) -> str:
    """A claim's time as the slot and the rows both give it (exact to the microsecond)."""
    return str(
        (at.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    )


async def _keep_slot(redis: Any, slot: str) -> None:
    while True:
        await asyncio.sleep(SLOT_RENEW_S)
        try:
            await redis.pexpire(slot, SLOT_LEASE_MS)
        except (RedisError, OSError) as exc:  # its batches may be handed back: fenced, safe
            log.warning("leads.slot_unrenewed", slot=slot, error=str(exc))


async def drain(
    redis: Any, max_attempts: int, stopping: asyncio.Event | None = None
) -> dict[str, int]:
    """Claim pending pushes in batches and ingest them until none is left. At most
    DRAIN_SLOTS drains run at once; a kick that finds them all busy leaves the work to them."""
    slot = None
    for n in range(DRAIN_SLOTS):
        # A short lease, renewed while the drain lives: a drain killed with its process
        # (SIGKILL) frees its slot, and its batch, within seconds.
        if await redis.set(SLOT_KEY.format(n), "", nx=True, px=SLOT_LEASE_MS):
            slot = SLOT_KEY.format(n)
            break
    if slot is None:
        return {"busy": 1}
    totals: dict[str, int] = {}
    keeper = asyncio.create_task(_keep_slot(redis, slot))
    try:
        # On shutdown (`stopping` is set) stop after the batch in hand: it commits or not as a
        # whole, and what is left stays pending for the next drain.
        while not (stopping and stopping.is_set()):
            at = datetime.now(UTC)
            # Named in the slot before the rows are stamped: a sweep never finds a live
            # drain's batch unnamed (unless Redis lost the slot; the fence covers that).
            await redis.set(slot, claim_stamp(at), px=SLOT_LEASE_MS)
            if not (events := await lead_batch.claim(at=at)):
                break
            try:
                counts = await lead_batch.ingest_batch(events, redis, max_attempts)
            except lead_batch.BatchLost as exc:  # a sweep took it back: another drain's now
                log.warning("leads.batch_lost", events=len(events), error=str(exc))
                continue
            except BaseException:  # an error, or cancelled after the shutdown grace
                # Hand the batch back at once rather than after the sweeper's timeout (only
                # rows still this claim's: a sweep may have handed them to another drain).
                await asyncio.shield(
                    LeadEvent.filter(
                        id__in=[e["id"] for e in events], status="processing", updated_at=at
                    ).update(status="pending")
                )
                raise
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
            # A burst into an empty table: keep the merge lookup on its indexes.
            await table_stats.refresh(redis, ("lead", "lead_event"))
            if counts.get("deferred", 0) == len(events):
                # Every push of the batch names people the other drain is writing: give it
                # the moment its batch takes rather than claiming the same rows again at once.
                await asyncio.sleep(DEFER_PAUSE)
    finally:
        keeper.cancel()
        await redis.delete(slot)
    return totals


async def sweep_lead_events(
    arq: Any, stuck_after: float = 120.0, backoff_seconds: float = 10.0
) -> int:
    """Pushes left pending (Redis was down, or the last kick of a window came too late) get a
    drain; rows a crashed drain left `processing` go back to pending first — at once when no
    drain slot names their batch, after `stuck_after` when Redis cannot say — and so do failed
    ones (`retry`) whose backoff (retry.backoff) has passed. A batch handed back while its
    drain still lives is not written twice: the drain's write checks its claim stamp first
    (lead_batch.BatchLost)."""
    now = datetime.now(UTC)
    stuck = now - timedelta(seconds=stuck_after)
    await LeadEvent.filter(status="processing", updated_at__lt=stuck).update(status="pending")
    await release_dead_batches(arq, now)
    due = [
        event_id
        for event_id, attempts, at in await LeadEvent.filter(status="retry").values_list(
            "id", "attempts", "updated_at"
        )
        if at <= now - retry.backoff(attempts, backoff_seconds)
    ]
    if due:
        await LeadEvent.filter(id__in=due, status="retry").update(status="pending")
    pending = await LeadEvent.filter(status="pending").count()
    if pending:
        minute = int(datetime.now(UTC).timestamp() // 5)
        await arq.enqueue_job(DRAIN_LEAD_EVENTS, _job_id=f"lead-drain:sweep:{minute}")
    return pending


async def release_dead_batches(redis: Any, now: datetime) -> int:
    """Batches claimed over DEAD_AFTER ago that no drain slot names: their drain died (its
    slot lapsed with its process) or moved on without writing them. Back to pending."""
    try:
        live = {v.decode() for v in await redis.mget(
            [SLOT_KEY.format(n) for n in range(DRAIN_SLOTS)]) if v}  # fmt: skip
    except (RedisError, OSError):
        return 0  # unknown: the stuck_after rule takes them later
    cutoff = now - DEAD_AFTER
    claimed = await LeadEvent.filter(status="processing", updated_at__lt=cutoff).values_list(
        "id", "updated_at"
    )
    dead = [int(i) for i, at in claimed if claim_stamp(at) not in live]
    if not dead:
        return 0
    # Still `processing` under an old stamp: not re-claimed since it was read.
    moved = await LeadEvent.filter(id__in=dead, status="processing", updated_at__lt=cutoff).update(
        status="pending"
    )
    log.warning("leads.dead_batches_released", events=moved)
    return moved
