"""The inbox: store an accepted event exactly once, enqueue its job, sweep what Redis missed."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix, result_key_prefix
from redis.exceptions import RedisError

from bot import inbox_writer
from scrm.enums import InboxStatus
from scrm.infra import metrics, retry
from scrm.infra.enqueue import JobRef, enqueue_inbox_jobs
from scrm.infra.job_names import (
    IN_PROGRESS_TTL_MS,
    PROCESS_INBOX_TIMEOUT,
    inbox_job_id,
)
from scrm.infra.logging import get_logger
from scrm.infra.settings import Settings
from scrm.models import Inbox
from scrm.services import lead_drain
from wecom.events import WecomEvent, event_identity, parse_event

log = get_logger("bot.inbox")

# A pending row younger than this is assumed to have its job on the way (the edge enqueues
# right after the ack); older ones are re-enqueued by the sweeper.
SWEEP_GRACE = timedelta(seconds=10)


# The edge's parse, stored beside the XML (Inbox.parsed): compact, Chinese kept as it is.
_PARSED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def inbox_key(corp_id: str, fields: dict[str, Any]) -> str:
    """sha256 over the event's own identity, never FromUserName+CreateTime (always `sys`)."""
    ident = "\x1f".join([corp_id, *event_identity(fields)])  # each part is a str already
    return hashlib.sha256(ident.encode()).hexdigest()


def wants_welcome(fields: dict[str, Any]) -> bool:
    """An add through a state (ours or not: the welcome job checks) carrying a WelcomeCode."""
    return bool(
        fields.get("ChangeType") == "add_external_contact"
        and fields.get("WelcomeCode")
        and fields.get("State")
    )


def event_kind(fields: dict[str, Any]) -> str:
    parts = [fields.get("Event") or fields.get("MsgType") or "unknown", fields.get("ChangeType")]
    return ".".join(str(p) for p in parts if p)[:96]


async def store(
    corp_id: str, fields: dict[str, Any], payload: str, arrived_at: datetime | None = None
) -> tuple[int, str, str] | None:
    """Insert the event; (row id, kind), or None when it is already stored (a WeCom retry).
    `fields` is the edge's parse of `payload`, stored too so the jobs need not parse it again.
    `arrived_at` is when its request reached the edge (default: now)."""
    kind = event_kind(fields)
    now = datetime.now(UTC)
    values = [
        inbox_key(corp_id, fields), corp_id, kind, payload, _PARSED.encode(fields),
        InboxStatus.PENDING.value, 0, 0, "", now, arrived_at or now,
    ]  # fmt: skip
    row_id = await inbox_writer.insert(values)
    return None if row_id is None else (row_id, kind, str(values[0]))


def stored_event(row: Inbox) -> WecomEvent:
    """The row's event, from the edge's parse; a row without a readable one (stored before
    migration 0035, or by hand) has its XML parsed. Raises EventParseError on a poison row."""
    if row.parsed is not None:
        try:
            fields = json.loads(row.parsed)
        except ValueError:
            fields = None
        if isinstance(fields, dict):
            return parse_event(fields)
        log.warning("inbox.parsed_unreadable", inbox_id=row.id)
    return parse_event(row.payload.encode())


async def enqueue(arq: ArqRedis, refs: list[JobRef]) -> bool:
    """Hand rows to the workers; False (and a metric) when Redis cannot be reached."""
    try:
        await enqueue_inbox_jobs(arq, refs)
    except (RedisError, OSError, TimeoutError) as exc:
        metrics.ENQUEUE_FAILED.inc(len(refs))
        log.warning("inbox.enqueue_failed", jobs=len(refs), error=type(exc).__name__)
        return False
    return True


def backoff(settings: Settings, attempts: int) -> timedelta:
    return retry.backoff(attempts, settings.inbox_backoff_seconds)


async def sweep_once(arq: ArqRedis, now: datetime | None = None) -> int:
    """Enqueue stale pending rows and failed rows whose backoff has passed."""
    now = now or datetime.now(UTC)
    stale = await Inbox.filter(
        status=InboxStatus.PENDING, received_at__lt=now - SWEEP_GRACE
    ).values_list("id", "key", "attempts", "replays")
    due = await Inbox.filter(status=InboxStatus.FAILED, next_attempt_at__lte=now).values_list(
        "id", "key", "attempts", "replays"
    )
    stale = await _unstick(arq, stale, now)
    refs: list[JobRef] = [*stale, *due]
    sent = 0
    for start in range(0, len(refs), 500):
        chunk = refs[start : start + 500]
        if not await enqueue(arq, chunk):
            break  # Redis is down: try again next sweep rather than hammering it
        sent += len(chunk)
    if sent:
        log.info("inbox.swept", enqueued=sent)
    return sent


async def _unstick(arq: ArqRedis, stale: list[JobRef], now: datetime) -> list[JobRef]:
    """Pending rows whose job already has a result ran without recording an outcome (the
    worker stopped mid-job), and so do rows whose job started longer ago than it may run (its
    worker was killed: arq's in-progress mark would hold the id for half an hour). arq would
    refuse their job id, so move them to the next attempt; the others are simply re-offered
    under their own id (arq drops duplicates)."""
    if not stale:
        return stale
    try:
        async with arq.pipeline(transaction=False) as pipe:
            for _, key, attempt, replay in stale:
                job_id = inbox_job_id(key, attempt, replay)
                pipe.exists(result_key_prefix + job_id)
                pipe.pttl(in_progress_key_prefix + job_id)
            answers = await pipe.execute()
    except (RedisError, OSError, TimeoutError):
        return stale  # enqueue will fail the same way and be retried next sweep
    limit_ms = (PROCESS_INBOX_TIMEOUT + 15) * 1000
    orphaned = [0 < ttl < IN_PROGRESS_TTL_MS - limit_ms for ttl in answers[1::2]]
    out: list[JobRef] = []
    for ref, done, lost in zip(stale, answers[0::2], orphaned, strict=True):
        if not (done or lost):
            out.append(ref)
            continue
        inbox_id, key, attempt, replay = ref
        moved = await Inbox.filter(
            id=inbox_id, status=InboxStatus.PENDING, attempts=attempt
        ).update(attempts=attempt + 1, last_error="job ended without recording an outcome")
        if not moved:
            continue  # its job recorded the outcome since the row was read: nothing to redo
        log.warning("inbox.unstuck", inbox_id=inbox_id, attempt=attempt + 1)
        out.append((inbox_id, key, attempt + 1, replay))
    return out


async def run_sweeper(arq: ArqRedis, interval: float, lead_backoff: float = 10.0) -> None:
    """Forever: sweep, sleep. Errors are logged, never fatal (the DB may blip too)."""
    while True:
        try:
            await sweep_once(arq)
            await lead_drain.sweep_lead_events(arq, backoff_seconds=lead_backoff)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("inbox.sweep_error", error=repr(exc))
        await asyncio.sleep(interval)


async def backlog_counts() -> dict[str, int]:
    counts = {s.value: 0 for s in InboxStatus if s != InboxStatus.HANDLED}
    for status in counts:
        counts[status] = await Inbox.filter(status=status).count()
    return counts
