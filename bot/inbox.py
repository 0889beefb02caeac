"""The inbox: store an accepted event exactly once, enqueue its job, sweep what Redis missed."""

from __future__ import annotations

import asyncio
import hashlib
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from arq.connections import ArqRedis
from redis.exceptions import RedisError
from tortoise.exceptions import IntegrityError

from bot import metrics
from bot.jobs.names import PROCESS_INBOX, inbox_job_id
from bot.logging import get_logger
from bot.settings import Settings
from scrm.enums import InboxStatus
from scrm.models import Inbox
from wecom.events import event_identity

log = get_logger("bot.inbox")

# A pending row younger than this is assumed to have its job on the way (the edge enqueues
# right after the ack); older ones are re-enqueued by the sweeper.
SWEEP_GRACE = timedelta(seconds=10)


def inbox_key(corp_id: str, fields: dict[str, Any]) -> str:
    """sha256 over the event's own identity, never FromUserName+CreateTime (always `sys`)."""
    ident = "\x1f".join(str(p) for p in (corp_id, *event_identity(fields)))
    return hashlib.sha256(ident.encode()).hexdigest()


def event_kind(fields: dict[str, Any]) -> str:
    parts = [fields.get("Event") or fields.get("MsgType") or "unknown", fields.get("ChangeType")]
    return ".".join(str(p) for p in parts if p)[:96]


async def store(corp_id: str, fields: dict[str, Any], payload: str) -> Inbox | None:
    """Insert the event; None when this identity is already stored (a WeCom retry)."""
    try:
        return await Inbox.create(
            key=inbox_key(corp_id, fields),
            corp_id=corp_id,
            kind=event_kind(fields),
            payload=payload,
        )
    except IntegrityError:
        return None


async def enqueue(arq: ArqRedis, inbox_id: int, attempt: int = 0, replay: int = 0) -> bool:
    """Hand the row to a worker; False (and a metric) when Redis cannot be reached."""
    job_id = inbox_job_id(inbox_id, attempt, replay)
    try:
        await arq.enqueue_job(PROCESS_INBOX, inbox_id, _job_id=job_id)
    except (TimeoutError, RedisError, OSError) as exc:
        metrics.ENQUEUE_FAILED.inc()
        log.warning("inbox.enqueue_failed", inbox_id=inbox_id, error=type(exc).__name__)
        return False
    return True


def backoff(settings: Settings, attempts: int) -> timedelta:
    base = settings.inbox_backoff_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(base, 3600) * random.uniform(0.8, 1.2))


async def sweep_once(arq: ArqRedis, now: datetime | None = None) -> int:
    """Enqueue stale pending rows and failed rows whose backoff has passed."""
    now = now or datetime.now(UTC)
    stale = await Inbox.filter(
        status=InboxStatus.PENDING, received_at__lt=now - SWEEP_GRACE
    ).values_list("id", "attempts", "replays")
    due = await Inbox.filter(status=InboxStatus.FAILED, next_attempt_at__lte=now).values_list(
        "id", "attempts", "replays"
    )
    sent = 0
    for inbox_id, attempts, replays in [*stale, *due]:
        if not await enqueue(arq, inbox_id, attempts, replays):
            break  # Redis is down: try again next sweep rather than hammering it
        sent += 1
    if sent:
        log.info("inbox.swept", enqueued=sent)
    return sent


async def run_sweeper(arq: ArqRedis, interval: float) -> None:
    """Forever: sweep, sleep. Errors are logged, never fatal (the DB may blip too)."""
    while True:
        try:
            await sweep_once(arq)
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
