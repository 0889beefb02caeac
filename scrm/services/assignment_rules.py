"""How the assignment engine decides: served customers' members first, then priority rules
with conditions and strategies, within each member's holding cap; else the pool."""

from __future__ import annotations

from datetime import datetime

from redis.asyncio import Redis

from scrm.models import AssignmentRule, Lead
from scrm.services.scoring import lead_values

CAP_WARNING_RATIO = 0.9

Decision = tuple[Lead, str, dict[str, object]]  # lead, activity kind, its data


def rule_matches(rule: AssignmentRule, lead: Lead) -> bool:
    values = {**lead_values(lead), "grade": lead.grade, "status": lead.status}
    return all(
        str(values.get(k, "")) in {str(v) for v in allowed}
        for k, allowed in rule.conditions.items()
    )


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
    what its timeline will say. The caller holds the corp's assignment lock whenever a
    member's holdings are at stake (`assignment.corp_lock`), from reading `held` to writing."""
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


def pool_only(rules: list[AssignmentRule], leads: list[Lead]) -> bool:
    """No rule can give these leads a member and none is a served customer's: where they go
    depends on nobody's holdings, so no lock is needed and it is decided before they are
    written (their owner columns go in with the INSERT, not in an UPDATE after it)."""
    if any(getattr(x, "customer_id", None) for x in leads):
        return False
    return not any(r.members and r.strategy != "pool" for r in rules)
