"""Gauges read at each /metrics scrape from the DB and Redis: backlog, SOP lateness, alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from arq.constants import default_queue_name
from tortoise.functions import Count

from bot import inbox
from scrm.infra import metrics
from scrm.infra.logging import get_logger
from scrm.models import Alert, SopRun

log = get_logger("bot.scrape")
ALERT_KINDS = ("word", "action", "reply_timeout")


async def refresh(arq: ArqRedis) -> None:
    """Each part on its own: a scrape must still answer when the DB or Redis is down."""
    try:
        for status, count in (await inbox.backlog_counts()).items():
            metrics.INBOX_BACKLOG.labels(status=status).set(count)
        now = datetime.now(UTC)
        # Both filters ride an index (status, due_at / occurred_at): cheap at every scrape.
        oldest = await SopRun.filter(status="planned", due_at__lte=now).order_by("due_at").first()
        metrics.SOP_DUE_OLDEST.set((now - oldest.due_at).total_seconds() if oldest else 0)
        counts = dict(
            await Alert.filter(occurred_at__gte=now - timedelta(hours=1))
            .annotate(n=Count("id"))
            .group_by("kind")
            .values_list("kind", "n")
        )
        for kind in {*ALERT_KINDS, *counts}:
            metrics.ALERTS_LAST_HOUR.labels(kind=kind).set(counts.get(kind, 0))
    except Exception as exc:
        log.warning("metrics.db_unavailable", error=type(exc).__name__)
    try:
        metrics.JOB_QUEUE.set(await arq.zcard(default_queue_name))
    except Exception as exc:
        log.warning("metrics.redis_unavailable", error=type(exc).__name__)
