"""Crons: reply-timeout scan and the alert notifier, each minute for every active corp."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrm.compliance import notifier, reply_timeout
from scrm.infra.logging import get_logger
from scrm.models import Corp

log = get_logger("bot.jobs.compliance_alerts")


async def compliance_reply_timeouts(ctx: dict[str, Any], now: datetime | None = None) -> int:
    """Raise reply-timeout alerts; the notifier tells people on its next run."""
    now = now or datetime.now(UTC)
    raised = 0
    for corp in await Corp.filter(active=True):
        raised += len(await reply_timeout.scan(corp, now))
    if raised:
        log.info("compliance.reply_timeouts", raised=raised)
    return raised


async def compliance_notify(ctx: dict[str, Any], now: datetime | None = None) -> int:
    """Queue new alerts per recipient, then send within each recipient's rate limit."""
    now = now or datetime.now(UTC)
    sent = 0
    for corp in await Corp.filter(active=True):
        await notifier.queue_new(ctx["redis"], corp, now)
        client = ctx["clients"].for_corp(corp)
        sent += await notifier.send_queued(ctx["redis"], client, corp, now)
    return sent
