"""The group-SOP crons' work: fire the due runs (one scan at a time across workers) and plan
the active plans ahead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from scrm.enums import PlanStatus
from scrm.infra import locks
from scrm.infra.logging import get_logger
from scrm.models import SopPlan
from scrm.sop import execute, materialize
from scrm.sop.execute import ClientFor

log = get_logger("scrm.sop.scan")

SCAN_LOCK = "scrm:sop:scan"
SCAN_LOCK_SECONDS = 60  # the cron's timeout is 55 s: a dead worker's lock expires by itself


async def fire_due(redis: Redis, client_for: ClientFor, base_url: str) -> int:
    """Rows are the truth: whatever is due and still planned fires now, even after a restart
    or a Redis outage (the scan is only the trigger)."""
    # One scan at a time, across seconds and workers: a scan still firing when the next
    # second's starts would split an owner's groups between two tasks (seen in the bench:
    # 600 tasks for 500 owner-steps). A scan that finds the lock taken does nothing.
    async with locks.try_hold(redis, SCAN_LOCK, ttl=SCAN_LOCK_SECONDS) as held:
        if held is None:
            return 0
        now = datetime.now(UTC)
        await execute.skip_paused(now)
        # Claim everything due first, then fire: one WeCom task per owner and step, not one
        # per claim batch (members confirm each task by hand).
        runs: list[dict[str, Any]] = []
        while batch := await execute.claim_due(now):
            runs.extend(batch)
        fired = await execute.fire(runs, client_for, now, base_url) if runs else 0
        await execute.reconcile(client_for, now)
        return fired


async def plan_active() -> int:
    """Every active plan's runs for the next two days (each unique per plan, step, target and
    due time: planning again writes nothing twice)."""
    written = 0
    for plan in await SopPlan.filter(status=PlanStatus.ACTIVE):
        written += await materialize.materialize(plan)
    if written:
        log.info("sop.planned", runs=written)
    return written
