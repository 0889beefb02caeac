"""Jobs of the lead intake: the drain, the hourly upkeep and a corp's rescore."""

from __future__ import annotations

from typing import Any

from scrm.services import lead_drain, lead_sources, scoring
from scrm.services import lead_upkeep as upkeep


async def drain_lead_events(ctx: dict[str, Any]) -> dict[str, int]:
    settings = ctx.get("settings")
    max_attempts = settings.inbox_max_attempts if settings is not None else 6
    return await lead_drain.drain(ctx["redis"], max_attempts, ctx.get("stopping"))


async def lead_upkeep(ctx: dict[str, Any]) -> dict[str, int]:
    """Hourly: behaviour decay, recycling warnings (app message to the owner), recycling."""
    settings = ctx.get("settings")
    days = settings.lead_event_retention_days if settings is not None else 30
    return await upkeep.run(ctx["redis"], ctx.get("clients"), days)


async def rescore_leads(ctx: dict[str, Any], corp_id: int) -> int:
    scoring.forget(corp_id)  # this worker's cached rules may predate the edit
    return await lead_sources.rescore(corp_id)
