"""SOP crons: fire due runs (each second), track delivery (each minute), plan ahead (10 min)."""

from __future__ import annotations

from typing import Any

from scrm.sop import journey_dates as journey_dates_mod
from scrm.sop import journey_lanes, journey_scanner, journey_track, track
from scrm.sop import scan as sop_scan_service


async def sop_scan(ctx: dict[str, Any]) -> int:
    """Rows are the truth: whatever is due and still planned fires now, even after a restart
    or a Redis outage (the scan is only the trigger; scrm/sop/scan.py)."""
    base_url = getattr(ctx.get("settings"), "public_url", "")
    return await sop_scan_service.fire_due(ctx["redis"], ctx["clients"].for_corp, base_url)


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
    return await sop_scan_service.plan_active()
