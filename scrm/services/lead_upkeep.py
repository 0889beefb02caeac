"""The lead intake's hourly upkeep: behaviour decay, recycling warnings and recycling to the
pool, stale-deal reminders, and purging processed pushes' raw bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from scrm.infra.clients import WeComClients
from scrm.models import Corp, Lead, LeadEvent, Opportunity
from scrm.services import notify, pool, scoring


async def run(redis: Redis, clients: WeComClients | None, retention_days: int) -> dict[str, int]:
    """Hourly: behaviour decay, recycling warnings (app message to the owner), recycling."""
    now = datetime.now(UTC)
    totals = {"decayed": 0, "warned": 0, "recycled": 0}
    for corp in await Corp.filter(active=True):
        settings = await scoring.settings_for(corp.id)
        for lead in await Lead.filter(corp_id=corp.id, merged_into_id=None, behaviour_score__gt=0):
            before = lead.behaviour_score
            scoring.recompute(lead, settings, decay_to=now)
            if lead.behaviour_score != before:  # an unchanged lead is not written
                await lead.save()
                totals["decayed"] += 1
        warnings = await pool.due_warnings(corp.id, now)
        for owner, due in warnings.items():
            totals["warned"] += len(due)
            await _notify(clients, corp, owner, due)
        totals["recycled"] += len(await pool.recycle(corp.id, now))
        totals["stale"] = totals.get("stale", 0) + await _stale_deals(redis, clients, corp, now)
    totals["purged"] = await purge_event_bodies(now, retention_days)
    return totals


async def purge_event_bodies(now: datetime, days: int) -> int:
    """Processed pushes lose their raw body (phones, encrypted) after `days`; 0 keeps them.
    Dead ones keep theirs: an operator may still replay them."""
    if days <= 0:
        return 0
    return await (
        LeadEvent.filter(status__in=("done", "ignored"), updated_at__lt=now - timedelta(days=days))
        .exclude(body="")
        .update(body="")
    )


async def _stale_deals(
    redis: Redis, clients: WeComClients | None, corp: Corp, now: datetime
) -> int:
    """Open opportunities whose next-step date has passed: the owner hears once a day."""
    stale = await Opportunity.filter(
        corp_id=corp.id, closed_at__isnull=True, next_step_date__lt=now.date()
    )
    told = 0
    for opp in stale:
        key = f"deal:stale:{opp.id}:{now.date().isoformat()}"
        if not await redis.set(key, "1", nx=True, ex=2 * 86400):
            continue
        told += 1
        await notify.tell_member(
            clients,
            corp,
            opp.owner_userid,
            f"商机「{opp.name}」的下一步（{opp.next_step}）已过期，请更新。",
        )
    return told


async def _notify(clients: WeComClients | None, corp: Corp, owner: str, due: list[Lead]) -> None:
    names = "、".join(lead.name or f"线索#{lead.id}" for lead in due[:5])
    await notify.tell_member(
        clients, corp, owner, f"您有 {len(due)} 条线索即将回收到公海：{names}。请尽快跟进。"
    )
