"""SOP crons: fire due runs (each second), track delivery (each minute), plan ahead (10 min)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrm.infra import locks
from scrm.infra.logging import get_logger
from scrm.models import SopPlan
from scrm.sop import execute, journey_lanes, journey_scanner, journey_track, materialize, track
from scrm.sop import journey_dates as journey_dates_mod

log = get_logger("bot.jobs.sop")


SCAN_LOCK = "scrm:sop:scan"
SCAN_LOCK_SECONDS = 60  # the cron's timeout is 55 s: a dead worker's lock expires by itself


async def sop_scan(ctx: dict[str, Any]) -> int:
    """Rows are the truth: whatever is due and still planned fires now, even after a restart
    or a Redis outage (the scan is only the trigger)."""
    # One scan at a time, across seconds and workers: a scan still firing when the next
    # second's starts would split an owner's groups between two tasks (seen in the bench:
    # 600 tasks for 500 owner-steps). A scan that finds the lock taken does nothing.
    async with locks.try_hold(ctx["redis"], SCAN_LOCK, ttl=SCAN_LOCK_SECONDS) as held:
        if held is None:
            return 0
        now = datetime.now(UTC)
        await execute.skip_paused(now)
        # Claim everything due first, then fire: one WeCom task per owner and step, not one
        # per claim batch (members confirm each task by hand).
        runs: list[dict[str, Any]] = []
        while batch := await execute.claim_due(now):
            runs.extend(batch)
        base_url = getattr(ctx.get("settings"), "public_url", "")
        fired = await execute.fire(runs, ctx["clients"].for_corp, now, base_url) if runs else 0
        await execute.reconcile(ctx["clients"].for_corp, now)
        return fired


# This process's journey lanes and heartbeat when the caller brings none (tests).
_NODE = journey_lanes.Node()


async def journey_scan(ctx: dict[str, Any]) -> dict[str, int]:
    """Scanners share the journeys by lane (decision 0034): this one leases the free lanes up
    to its worker's fair share and claims only their runs, ahead of their due time. A lane is
    a fixed set of sending members, so an owner's send window is walked by one scanner (one
    task per owner). It frees its lanes when it stops claiming, before its last walks. Each
    worker starts one every second (bot/jobs/journey_loop.py)."""
    node: journey_lanes.Node = ctx.get("journey_node") or _NODE
    lease = await node.take(ctx["redis"])
    if not lease.lanes:  # every lane is held, or this worker holds its share
        return {}
    return await scan_lanes(ctx, lease)


async def scan_lanes(ctx: dict[str, Any], lease: journey_lanes.Lease) -> dict[str, int]:
    """Claim and walk the runs of the leased lanes (run_live), then free them."""
    try:
        return await journey_scanner.run_live(
            ctx["clients"].for_corp,
            http=ctx.get("http"),
            lanes=lease,
            base_url=getattr(ctx.get("settings"), "public_url", ""),
            stop=ctx.get("stopping"),
        )
    finally:
        await lease.release()  # if the claiming half ended early (an error, a cancel)


async def journey_dates(ctx: dict[str, Any]) -> int:
    return await journey_dates_mod.enroll_due()


async def sop_track(ctx: dict[str, Any]) -> dict[str, int]:
    """Group SOP tasks and journey sends: confirmed, reminded, escalated, expired."""
    groups = await track.track(ctx["clients"].for_corp)
    customers = await journey_track.track(ctx["clients"].for_corp)
    return {**groups, **{f"journey_{k}": v for k, v in customers.items()}}


async def sop_plan(ctx: dict[str, Any]) -> int:
    written = 0
    for plan in await SopPlan.filter(status="active"):
        written += await materialize.materialize(plan)
    if written:
        log.info("sop.planned", runs=written)
    return written
