"""Crons: task reminders and the lead first-response SLA (scrm/services/task_alerts.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrm.services import task_alerts


async def remind_tasks(ctx: dict[str, Any], now: datetime | None = None) -> int:
    return await task_alerts.remind_due(ctx.get("clients"), now or datetime.now(UTC))


async def watch_sla(ctx: dict[str, Any], now: datetime | None = None) -> int:
    """Each minute: an assigned lead with no first response after `sla_minutes` → its owner
    is told once (and the breach is on the lead's timeline for the SLA report)."""
    return await task_alerts.watch_sla(ctx.get("clients"), now or datetime.now(UTC))
