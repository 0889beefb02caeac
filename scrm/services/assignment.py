"""Who owns a new lead: priority rules with conditions, strategies, holding caps, own leads."""

from __future__ import annotations

from datetime import UTC, datetime

from redis.asyncio import Redis
from tortoise.functions import Count

from scrm.enums import RelationStatus
from scrm.infra import locks
from scrm.models import AssignmentRule, FollowRelation, Lead, LeadActivity
from scrm.models.base import corp_pk
from scrm.services import lead_rows, scoring
from scrm.services.lead_merge import copy_activity
from scrm.services.scoring import lead_values

OPEN_STATUSES = ("new", "mql", "sql")
CAP_WARNING_RATIO = 0.9


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


def rule_matches(rule: AssignmentRule, lead: Lead) -> bool:
    values = {**lead_values(lead), "grade": lead.grade, "status": lead.status}
    return all(
        str(values.get(k, "")) in {str(v) for v in allowed}
        for k, allowed in rule.conditions.items()
    )


async def assign(lead: Lead, redis: Redis, now: datetime | None = None) -> str | None:
    """Give one stored lead an owner (or the pool) by the same engine as a batch; returns the
    owner's userid, or None for the pool."""
    await assign_many([lead], redis, now)
    return lead.owner_userid or None


async def _pick(
    rule: AssignmentRule, members: list[str], held: dict[str, int], redis: Redis
) -> str:
    if rule.strategy == "least_loaded":
        return min(members, key=lambda m: (held[m], rule.members.index(m)))
    ring = members
    if rule.strategy == "weighted":
        ring = [m for m in members for _ in range(max(1, int(rule.weights.get(m, 1))))]
    # The cursor walks the rule's full member list and survives batches and restarts:
    # A, B, C then the next batch starts at the member after the last one served.
    cursor = int(await redis.incr(f"lead:rr:{rule.id}")) - 1
    return ring[cursor % len(ring)]


async def assign_many(leads: list[Lead], redis: Redis, now: datetime | None = None) -> None:
    """Owners (or the pool) for stored leads of one corp: decided in memory, written in two
    statements, under the corp's assignment lock from the holdings read to the write.

    One lock per corp, not per rule: members are shared between rules, and a served
    customer's lead goes to their member without any rule, so a finer lock would let two
    writers (two drains, an import and the API) both give a member the last place under the
    cap. A batch holds it for one read and two statements."""
    if not leads:
        return
    corp_id = corp_pk(leads[0])
    rules = await AssignmentRule.filter(corp_id=corp_id, active=True).order_by("priority", "id")
    async with locks.hold(redis, f"lead:assign:corp:{corp_id}", ttl=30, wait=30):
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


Decision = tuple[Lead, str, dict[str, object]]  # lead, activity kind, its data


async def decide(
    leads: list[Lead],
    rules: list[AssignmentRule],
    held: dict[str, int],
    owner_of: dict[int, str],
    cap: int,
    redis: Redis,
    now: datetime,
) -> list[Decision]:
    """Owner or pool of each lead, set in memory (`held` counts up as members take leads);
    what its timeline will say."""
    decided: list[Decision] = []
    for lead in leads:
        owner = owner_of.get(getattr(lead, "customer_id", None) or 0)
        how = "own_customer"
        if owner is not None and held.get(owner, 0) >= cap:
            owner = None
        if owner is None:
            owner, how = None, "no rule matched"
            for rule in rules:
                if not rule_matches(rule, lead):
                    continue
                if rule.strategy == "pool" or not rule.members:
                    how = f"rule {rule.name}: pool"
                    break
                open_members = [m for m in rule.members if held.get(m, 0) < cap]
                if open_members:
                    owner = await _pick(rule, open_members, held, redis)
                    how = f"rule {rule.name}: {rule.strategy}"
                    break
        if owner is None:
            lead.in_pool, lead.owner_userid = True, ""
            decided.append((lead, "to_pool", {"reason": how}))
            continue
        held[owner] = held.get(owner, 0) + 1
        lead.owner_userid, lead.in_pool, lead.assigned_at = owner, False, now
        data: dict[str, object] = {"owner": owner, "how": how}
        if held[owner] >= CAP_WARNING_RATIO * cap:
            data["cap_warning"] = f"{held[owner]}/{cap}"
        decided.append((lead, "assign", data))
    return decided


def timeline(corp_id: int, decided: list[Decision], now: datetime) -> list[LeadActivity]:
    """The decisions' activity rows (once the leads have ids)."""
    blank = LeadActivity(corp_id=corp_id, kind="assign", at=now)
    return [copy_activity(blank, lead.id, kind, dict(data), now) for lead, kind, data in decided]


def pool_only(rules: list[AssignmentRule], leads: list[Lead]) -> bool:
    """No rule can give these leads a member and none is a served customer's: where they go
    depends on nobody's holdings, so no lock is needed and it is decided before they are
    written (their owner columns go in with the INSERT, not in an UPDATE after it)."""
    if any(getattr(x, "customer_id", None) for x in leads):
        return False
    return not any(r.members and r.strategy != "pool" for r in rules)


async def decide_unowned(
    corp_id: int, leads: list[Lead], redis: Redis, now: datetime
) -> list[Decision] | None:
    """`decide` for new leads when `pool_only`; None when members' holdings matter (then
    `assign_many` runs after the leads are stored)."""
    rules = await AssignmentRule.filter(corp_id=corp_id, active=True).order_by("priority", "id")
    if not pool_only(rules, leads):
        return None
    return await decide(leads, rules, {}, {}, 0, redis, now)
