"""群发 jobs: make a send's tasks (enqueued by the API for "now", picked up by the tick when
scheduled or missed, resumed by the tick when its worker died), track sends whose next poll
is due, renew 素材库 media ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrm.infra.logging import get_logger
from scrm.services import mass_send, mass_send_resume, materials_media
from scrm.services import mass_send_tick as mass_send_tick_service
from scrm.services.mass_send_resume import Holder
from scrm.sop.journey_lanes import Node

log = get_logger("bot.jobs.campaigns")


def _opts(ctx: dict[str, Any]) -> mass_send.RunOptions:
    settings = ctx["settings"]
    return mass_send.RunOptions(
        base_url=settings.public_url, tz=settings.timezone, monthly_cap=settings.mass_monthly_cap
    )


def _holder(ctx: dict[str, Any]) -> Holder | None:
    """This worker, by its heartbeat, when it beats (a burst worker does not: lease only)."""
    node: Node | None = ctx.get("journey_node")
    if node is None or not node.beating:
        return None
    redis = ctx["redis"]

    async def dead(holders: set[str]) -> set[str]:
        return await node.dead(redis, holders)

    return Holder(node.id, node.fresh, dead)


def _id(holder: Holder | None) -> str:
    return holder.id if holder else ""


async def mass_send_run(ctx: dict[str, Any], send_id: int) -> dict[str, int]:
    holder = _holder(ctx)
    if not await mass_send.claim(send_id, _id(holder)):
        return {}  # another worker, or already made, or cancelled
    try:
        got = await mass_send.run(send_id, ctx["clients"].for_corp, _opts(ctx), holder=holder)
    except mass_send_resume.LeaseLost as exc:
        log.warning("mass_send.lease_lost", send_id=send_id, error=str(exc))
        return {}
    log.info("mass_send.made", send_id=send_id, **got)
    return got


async def mass_send_tick(ctx: dict[str, Any]) -> dict[str, int]:
    return await mass_send_tick_service.tick(
        datetime.now(UTC), ctx["clients"].for_corp, _opts(ctx), _holder(ctx)
    )


async def material_media(ctx: dict[str, Any]) -> dict[str, int]:
    """素材库 files whose media_id runs out within a day are uploaded again."""
    return await materials_media.renew_due(ctx["clients"].for_corp)
