"""The inbox job: load one stored event by id, dispatch it, record the outcome."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from bot import inbox
from scrm.enums import InboxStatus
from scrm.infra import metrics
from scrm.infra.corps import CorpRegistry
from scrm.infra.dispatch import UNHANDLED, Dispatcher
from scrm.infra.logging import get_logger
from scrm.infra.settings import Settings
from scrm.models import Corp, Inbox

log = get_logger("bot.jobs.inbox")


async def process_inbox(ctx: dict[str, Any], inbox_id: int) -> str:
    """Run the handlers for inbox row `inbox_id`; safe to run twice (handled rows are skipped)."""
    settings: Settings = ctx["settings"]
    dispatcher: Dispatcher = ctx["dispatcher"]
    row = await Inbox.get_or_none(id=inbox_id)
    if row is None:
        log.warning("inbox.job.missing_row", inbox_id=inbox_id)
        return "missing"
    if row.status in (InboxStatus.HANDLED, InboxStatus.DEAD):
        return row.status.value
    corp = await load_corp(row.corp_id)
    started = time.perf_counter()
    try:
        if corp is None:
            raise LookupError(f"corp {row.corp_id} no longer exists")
        event = inbox.stored_event(row)  # the edge's parse: the XML is not read again
        # Dependencies handlers may name as parameters (aiogram-style injection).
        result = await dispatcher.feed(
            event,
            corp=corp,
            inbox_id=row.id,
            arrived_at=row.arrived_at or row.received_at,
            settings=settings,
            redis=ctx["redis"],
            wecom=ctx["clients"].for_corp(corp),
        )
    except Exception as exc:
        await _failed(row, settings, exc)
        metrics.JOBS_FAILED.labels(kind=row.kind).inc()
        return "failed"
    row.status = InboxStatus.HANDLED
    row.handled_at = datetime.now(UTC)
    row.last_error = ""
    await row.save(update_fields=["status", "handled_at", "last_error"])
    metrics.JOBS_PROCESSED.labels(kind=row.kind).inc()
    log.info(
        "inbox.handled",
        inbox_id=row.id,
        kind=row.kind,
        unhandled=result is UNHANDLED,
        ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return "handled"


# A worker reuses a loaded corp for CORP_TTL (its secrets are decrypted on load); a corp that
# is missing is looked up again next time (miss_ttl 0).
_corps = CorpRegistry(miss_ttl=0.0)


async def load_corp(corp_id: str) -> Corp | None:
    return await _corps.row(corp_id)


async def _failed(row: Inbox, settings: Settings, exc: Exception) -> None:
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if row.attempts >= settings.inbox_max_attempts:
        row.status = InboxStatus.DEAD
        row.next_attempt_at = None
    else:
        row.status = InboxStatus.FAILED
        row.next_attempt_at = datetime.now(UTC) + inbox.backoff(settings, row.attempts)
    await row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    log.error(
        "inbox.failed",
        inbox_id=row.id,
        kind=row.kind,
        attempts=row.attempts,
        status=row.status.value,
        error=row.last_error,
    )
