"""A batch of pushes merged into people in memory: who is whom, who waits, what each writes."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from scrm.infra import locks
from scrm.models import Customer, Lead, LeadActivity, LeadSource, ScoringRule
from scrm.services import scoring
from scrm.services.lead_platforms import LeadFields
from scrm.services.leads import _absorb, new_lead
from scrm.services.scoring import LeadSettings

PERSON_LOCK_MS = 30_000


@dataclass
class Push:
    """One readable push of the batch: its event row, its fields, its phone's blind index."""

    event: dict[str, Any]
    fields: LeadFields
    index: str | None

    @property
    def keys(self) -> list[str]:
        return [k for k in (self.index, self.fields.unionid) if k]


def people(pushes: list[Push]) -> list[list[Push]]:
    """Pushes that share a phone index or a unionid, directly or through another push of the
    batch, are one person: they are locked, merged and written together."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for push in pushes:
        first, *rest = push.keys
        for other in rest:
            parent[root(other)] = root(first)
    groups: dict[str, list[Push]] = {}
    for push in pushes:
        groups.setdefault(root(push.keys[0]), []).append(push)
    return list(groups.values())


def lock_name(corp_id: int, key: str) -> str:
    """The same names as `leads.people_locked`, so single intakes and drains exclude each other."""
    return f"lead:person:{corp_id}:{hashlib.sha1(key.encode()).hexdigest()}"


async def take_people(
    redis: Redis, corp_id: int, pushes: list[Push]
) -> tuple[list[Push], list[Push], locks.Locks]:
    """Lock the batch's people without waiting, in one round trip: a person another drain
    holds any key of is left for a later drain (their pushes go back to pending) rather than
    waited on. Returns (pushes taken, pushes left, the locks now held: release them)."""
    groups = people(pushes)
    names = [[lock_name(corp_id, k) for p in group for k in p.keys] for group in groups]
    held = locks.Locks(redis, ttl=PERSON_LOCK_MS / 1000)
    got = await held.take_each(n for group_names in names for n in group_names)
    taken: list[Push] = []
    left: list[Push] = []
    release: set[str] = set()
    for group, group_names in zip(groups, names, strict=True):
        if got >= set(group_names):
            taken += group
        else:
            left += group
            release |= got & set(group_names)  # half a person is no use: the other drain's
    await held.release(release)
    return taken, left, held


@dataclass
class Plan:
    """What a batch writes: new leads, known leads it changed, and each push's lead."""

    new: list[Lead] = field(default_factory=list)
    changed: list[Lead] = field(default_factory=list)
    phones_changed: list[Lead] = field(default_factory=list)
    lead_of: dict[int, Lead] = field(default_factory=dict)  # event id → lead
    assigned: bool = False  # new leads' owner or pool place decided before they were written


def plan(
    corp_id: int,
    pushes: list[Push],
    sources: dict[int, LeadSource],
    existing: list[Lead],
    customers: list[Customer],
    rules: list[ScoringRule],
    settings: LeadSettings,
) -> Plan:
    """Decide every merge of the batch in memory, in event order: a push joins the lead of
    its phone index, else of its unionid (a known lead or one an earlier push made)."""
    by_index = {x.phone_index: x for x in existing if x.phone_index}
    by_union = {x.unionid: x for x in existing if x.unionid}
    customer_by_index = {c.phone_index: c for c in customers if c.phone_index}
    phones_before = {x.pk: (x.phone, x.other_phones) for x in existing}
    out = Plan()
    changed: dict[int, Lead] = {}
    blank = Lead(corp_id=corp_id)
    for push in pushes:
        event, fields, index = push.event, push.fields, push.index
        lead = (by_index.get(index) if index else None) or by_union.get(fields.unionid or "\0")
        if lead is None:
            lead = new_lead(corp_id, sources[event["source_id"]], fields, index, blank)
            if index and index in customer_by_index:
                lead.customer = customer_by_index[index]
            out.new.append(lead)
        else:
            lead.touches += 1
        _absorb(lead, fields, index)
        if index:
            by_index[index] = lead
        if lead.unionid:
            by_union[lead.unionid] = lead
        lead.last_activity_at = event["created_at"] or datetime.now(UTC)
        scoring.recompute(lead, settings, rules, attributes=True, event="intake")
        out.lead_of[event["id"]] = lead
        if lead.pk is not None:
            changed[lead.pk] = lead
    out.changed = list(changed.values())
    out.phones_changed = [
        x for x in out.changed if (x.phone, x.other_phones) != phones_before[x.pk]
    ]
    return out


def activities(corp_id: int, pushes: list[Push], result: Plan) -> list[LeadActivity]:
    """Each push's timeline row: the first push of a new lead is its intake, the rest
    duplicates (leads need their ids: call after they are inserted)."""
    fresh = {id(x) for x in result.new}
    seen: set[int] = set()
    rows = []
    blank = LeadActivity(corp_id=corp_id, kind="intake", at=datetime.now(UTC))
    for push in pushes:
        lead = result.lead_of[push.event["id"]]
        kind = "intake" if id(lead) in fresh and id(lead) not in seen else "duplicate_intake"
        seen.add(id(lead))
        data = {"platform": push.event["platform"], "event_id": push.event["id"]}
        rows.append(copy_activity(blank, lead.pk, kind, data, push.event["created_at"]))
    return rows


def copy_activity(
    blank: LeadActivity, lead_id: int, kind: str, data: dict[str, Any], at: datetime
) -> LeadActivity:
    """A timeline row copied from a blank one (a tenth of `Model.__init__`'s cost)."""
    row = copy.copy(blank)
    row._await_when_save = {}  # tortoise's per-instance state: never shared between copies
    row.lead_id, row.kind, row.data, row.at = lead_id, kind, data, at
    return row
