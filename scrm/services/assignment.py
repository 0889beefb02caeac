"""Who owns a lead: the assignment engine for one lead or a batch, a manager's hand-over and the
members' holdings they count, every one of them under the corp's assignment lock."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from tortoise.functions import Count

from scrm.enums import RelationStatus
from scrm.infra import locks
from scrm.models import AssignmentRule, FollowRelation, Lead, LeadActivity
from scrm.models.base import corp_pk
from scrm.services import lead_rows, scoring
from scrm.services.assignment_rules import Decision, decide, pool_only
from scrm.services.lead_merge import copy_activity

OPEN_STATUSES = ("new", "mql", "sql")


class CapReached(Exception):
    """The member already holds as many open leads as the holding cap allows."""


def corp_lock(redis: Redis, corp_id: int) -> AbstractAsyncContextManager[Any]:
    """The corp's assignment lock. Every owner change within the holding cap (the engine, a
    pool claim, a manager's hand-over) holds it from reading the members' holdings to
    writing the owner, so two writers never both give a member the last place.

    One lock per corp, not per rule: members are shared between rules, and a served
    customer's lead goes to their member without any rule. A batch holds it for one read
    and two statements."""
    return locks.hold(redis, f"lead:assign:corp:{corp_id}", ttl=30, wait=30)


async def holdings(corp_id: int, userids: list[str]) -> dict[str, int]:
    """Open leads per member, counted by the database (not a row per lead brought back)."""
    rows = (
        await Lead.filter(
            corp_id=corp_id,
            owner_userid__in=userids,
            status__in=OPEN_STATUSES,
            merged_into_id=None,
        )
        .annotate(n=Count("id"))
        .group_by("owner_userid")
        .values_list("owner_userid", "n")
    )
    counts = dict.fromkeys(userids, 0)
    for userid, n in rows:
        counts[str(userid)] = int(n)
    return counts


async def assign(lead: Lead, redis: Redis, now: datetime | None = None) -> str | None:
    """Give one stored lead an owner (or the pool) by the same engine as a batch; returns the
    owner's userid, or None for the pool."""
    await assign_many([lead], redis, now)
    return lead.owner_userid or None


async def assign_many(leads: list[Lead], redis: Redis, now: datetime | None = None) -> None:
    """Owners (or the pool) for stored leads of one corp: decided in memory, written in two
    statements, under the corp's assignment lock from the holdings read to the write."""
    if not leads:
        return
    corp_id = corp_pk(leads[0])
    rules = await AssignmentRule.filter(corp_id=corp_id, active=True).order_by("priority", "id")
    async with corp_lock(redis, corp_id):
        await _assign_locked(corp_id, leads, rules, redis, now or datetime.now(UTC))


async def _assign_locked(
    corp_id: int, leads: list[Lead], rules: list[AssignmentRule], redis: Redis, now: datetime
) -> None:
    settings = await scoring.settings_for(corp_id)
    customer_ids = [c for c in (getattr(x, "customer_id", None) for x in leads) if c]
    owner_of: dict[int, str] = {}
    if customer_ids:
        relations = (
            await FollowRelation.filter(customer_id__in=customer_ids, status=RelationStatus.ACTIVE)
            .order_by("-added_at")
            .values("customer_id", "staff__userid")
        )
        owner_of = {r["customer_id"]: r["staff__userid"] for r in relations}  # oldest wins
    members = sorted({m for r in rules for m in r.members} | set(owner_of.values()))
    held = await holdings(corp_id, members) if members else {}
    decided = await decide(leads, rules, held, owner_of, settings.holding_cap, redis, now)
    await lead_rows.update_leads(leads, lead_rows.LEAD_OWNER, now)
    await lead_rows.insert_activities(timeline(corp_id, decided, now), now)


def timeline(corp_id: int, decided: list[Decision], now: datetime) -> list[LeadActivity]:
    """The decisions' activity rows (once the leads have ids)."""
    blank = LeadActivity(corp_id=corp_id, kind="assign", at=now)
    return [copy_activity(blank, lead.id, kind, dict(data), now) for lead, kind, data in decided]


async def decide_unowned(
    corp_id: int, leads: list[Lead], redis: Redis, now: datetime
) -> list[Decision] | None:
    """`decide` for new leads when `pool_only` (no lock: nobody's holdings are at stake);
    None when members' holdings matter (then `assign_many` runs after the leads are stored)."""
    rules = await AssignmentRule.filter(corp_id=corp_id, active=True).order_by("priority", "id")
    if not pool_only(rules, leads):
        return None
    return await decide(leads, rules, {}, {}, 0, redis, now)


async def hand_over(
    lead: Lead, userid: str, actor: str, redis: Redis, now: datetime | None = None
) -> None:
    """A manager gives `lead` to `userid` (from the pool or another member) within the
    holding cap, or CapReached. A new owner starts afresh: the first-response SLA and the
    recycling clock restart."""
    now = now or datetime.now(UTC)
    corp_id = corp_pk(lead)
    cap = (await scoring.settings_for(corp_id)).holding_cap
    previous = lead.owner_userid
    async with corp_lock(redis, corp_id):
        if (await holdings(corp_id, [userid]))[userid] >= cap:
            raise CapReached(f"{userid} holds {cap} open leads already (holding cap)")
        lead.owner_userid, lead.in_pool, lead.assigned_at = userid, False, now
        lead.last_followup_at = lead.first_response_at = lead.recycle_warned_at = None
        await lead.save(update_fields=[
            "owner_userid", "in_pool", "assigned_at", "last_followup_at", "first_response_at",
            "recycle_warned_at", "updated_at",
        ])  # fmt: skip
    await LeadActivity.create(
        corp_id=corp_id,
        lead_id=lead.id,
        kind="assign",
        actor=actor,
        data={"owner": userid, "how": "manual", "from": previous},
        at=now,
    )
