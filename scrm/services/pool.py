"""The lead pool (公海): claims with daily limits, recycling by grade, warnings before it."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from scrm.models import Lead, LeadActivity
from scrm.models.base import corp_pk
from scrm.services import scoring
from scrm.services.assignment import OPEN_STATUSES, corp_lock, holdings


class ClaimRefused(Exception):
    pass


async def claim(lead: Lead, userid: str, redis: Redis, now: datetime | None = None) -> Lead:
    now = now or datetime.now(UTC)
    corp_id = corp_pk(lead)
    settings = await scoring.settings_for(corp_id)
    if not lead.in_pool or lead.merged_into_id is not None:
        raise ClaimRefused("the lead is not in the pool")
    # Under the corp's assignment lock, like every owner change within the cap: a drain's
    # batch or a hand-over cannot take the member's last place between the check and the write.
    async with corp_lock(redis, corp_id):
        if (await holdings(corp_id, [userid]))[userid] >= settings.holding_cap:
            raise ClaimRefused(f"holding cap of {settings.holding_cap} reached")
        key = f"lead:claims:{corp_id}:{userid}:{now.date().isoformat()}"
        used = int(await redis.incr(key))
        await redis.expire(key, 2 * 86400)
        if used > settings.claim_daily_limit:
            await redis.decr(key)
            raise ClaimRefused(f"daily claim limit of {settings.claim_daily_limit} reached")
        # Conditional update: two members claiming at once, exactly one wins.
        won = await Lead.filter(id=lead.id, in_pool=True).update(
            in_pool=False, owner_userid=userid, assigned_at=now, last_followup_at=None
        )
        if not won:
            await redis.decr(key)
            raise ClaimRefused("someone claimed it first")
    await LeadActivity.create(corp_id=corp_id, lead_id=lead.id, kind="claim", actor=userid, at=now)
    await lead.refresh_from_db()
    return lead


def _due_at(lead: Lead, days: int) -> datetime:
    touched = lead.last_followup_at or lead.assigned_at or lead.created_at
    return touched + timedelta(days=days)


async def _candidates(corp_id: int, grades: list[str]) -> list[Lead]:
    return await Lead.filter(
        corp_id=corp_id,
        in_pool=False,
        merged_into_id=None,
        status__in=OPEN_STATUSES,
        grade__in=grades,
    ).exclude(owner_userid="")


async def recycle(corp_id: int, now: datetime | None = None) -> list[int]:
    """Leads whose grade's days passed without a follow-up go back to the pool."""
    now = now or datetime.now(UTC)
    settings = await scoring.settings_for(corp_id)
    moved = []
    for lead in await _candidates(corp_id, list(settings.recycle_days)):
        if now < _due_at(lead, settings.recycle_days[lead.grade]):
            continue
        previous = lead.owner_userid
        lead.owner_userid, lead.in_pool, lead.recycle_warned_at = "", True, None
        await lead.save(
            update_fields=["owner_userid", "in_pool", "recycle_warned_at", "updated_at"]
        )
        await LeadActivity.create(
            corp_id=corp_id,
            lead_id=lead.id,
            kind="recycle",
            data={"from": previous, "grade": lead.grade},
            at=now,
        )
        moved.append(lead.id)
    return moved


async def due_warnings(corp_id: int, now: datetime | None = None) -> dict[str, list[Lead]]:
    """Per owner, the leads that will be recycled within `warn_before_hours` (warned once)."""
    now = now or datetime.now(UTC)
    settings = await scoring.settings_for(corp_id)
    window = timedelta(hours=settings.warn_before_hours)
    out: dict[str, list[Lead]] = defaultdict(list)
    for lead in await _candidates(corp_id, list(settings.recycle_days)):
        due = _due_at(lead, settings.recycle_days[lead.grade])
        if lead.recycle_warned_at is None and now < due <= now + window:
            lead.recycle_warned_at = now
            await lead.save(update_fields=["recycle_warned_at", "updated_at"])
            out[lead.owner_userid].append(lead)
    return dict(out)
