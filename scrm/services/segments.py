"""Evaluate a segment: which customers match, in the caller's data scope, and through which
member each would be reached."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.expressions import Q

from scrm.enums import RelationStatus
from scrm.infra import clock
from scrm.infra.cache import TtlCache
from scrm.models import Customer, FollowRelation, GroupMember, Lead, Segment, Staff
from scrm.services.segment_rules import Conditions


@dataclass
class Match:
    """Customers (pk → external_userid) and, per customer, the sending member."""

    external: dict[int, str] = field(default_factory=dict)
    sender: dict[int, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.external)

    def by_sender(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for pk, userid in self.sender.items():
            out[userid].append(self.external[pk])
        return {u: sorted(v) for u, v in sorted(out.items())}


def _day_start(d: object, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time.min, tzinfo=tz).astimezone(UTC)  # type: ignore[arg-type]


async def evaluate(
    corp_id: int,
    cond: Conditions,
    owners: list[str] | None,
    *,
    tz: str = clock.DEFAULT_ZONE,
    now: datetime | None = None,
) -> Match:
    """Relation conditions (owner, team, tags, channel, added) are met by one active relation
    in scope; customer conditions (lead, activity, groups, gender, phone) by the customer."""
    now = now or datetime.now(UTC)
    zone = clock.zone(tz)
    rel = FollowRelation.filter(corp_id=corp_id, status=RelationStatus.ACTIVE)
    if owners is not None:  # data scope: a manager's segment counts only their team
        rel = rel.filter(staff__userid__in=owners)
    if cond.owners:
        rel = rel.filter(staff__userid__in=cond.owners)
    if cond.departments:
        wanted = set(cond.departments)
        rows = await Staff.filter(corp_id=corp_id).values_list("userid", "department_ids")
        members = [u for u, deps in rows if wanted & set(deps or [])]
        rel = rel.filter(staff__userid__in=members)
    if cond.channels:
        rel = rel.filter(Q(state__in=cond.channels) | Q(customer__first_channel__in=cond.channels))
    if cond.added_from:
        rel = rel.filter(added_at__gte=_day_start(cond.added_from, zone))
    if cond.added_to:
        rel = rel.filter(added_at__lt=_day_start(cond.added_to, zone) + timedelta(days=1))
    rows = await rel.values_list("customer_id", "staff__userid", "tag_ids", "added_at")
    per: dict[int, list[tuple[str, list[str], datetime | None]]] = defaultdict(list)
    for customer_id, userid, tag_ids, added_at in rows:
        per[int(customer_id)].append((str(userid), list(tag_ids or []), added_at))
    if cond.tags is not None and cond.tags.ids:
        per = {c: rs for c, rs in per.items() if _tags_ok(cond, rs)}
    ids = set(per)
    ids &= await _customer_side(corp_id, cond, ids, now)
    return await _with_senders(corp_id, ids, per)


def _tags_ok(cond: Conditions, rels: list[tuple[str, list[str], datetime | None]]) -> bool:
    assert cond.tags is not None
    have = {t for _, tags, _ in rels for t in tags}  # the customer's tags: every relation's
    wanted = set(cond.tags.ids)
    if cond.tags.mode == "any":
        return bool(have & wanted)
    if cond.tags.mode == "all":
        return wanted <= have
    return not have & wanted


async def _customer_side(corp_id: int, cond: Conditions, ids: set[int], now: datetime) -> set[int]:
    if not ids:
        return ids
    q = Customer.filter(corp_id=corp_id)
    narrowed = False
    if cond.gender is not None:
        q, narrowed = q.filter(gender=cond.gender), True
    if cond.has_phone is not None:
        q, narrowed = q.filter(phone_index__isnull=not cond.has_phone), True
    if cond.active_within_days:
        q = q.filter(last_activity_at__gte=now - timedelta(days=cond.active_within_days))
        narrowed = True
    if cond.inactive_for_days:
        cut = now - timedelta(days=cond.inactive_for_days)
        q, narrowed = (
            q.filter(Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=cut)),
            True,
        )
    if narrowed:
        ids &= {int(i) for (i,) in await q.values_list("id")}
    if cond.grades or cond.statuses:
        leads = Lead.filter(corp_id=corp_id, merged_into_id=None, customer_id__isnull=False)
        if cond.grades:
            leads = leads.filter(grade__in=cond.grades)
        if cond.statuses:
            leads = leads.filter(status__in=cond.statuses)
        ids &= {int(i) for (i,) in await leads.values_list("customer_id")}
    if cond.in_groups or cond.in_any_group is not None:
        members = GroupMember.filter(chat__corp_id=corp_id, active=True, type="external")
        if cond.in_groups:
            members = members.filter(chat__chat_id__in=cond.in_groups)
        exts = {str(m) for (m,) in await members.values_list("member_id")}
        rows = await Customer.filter(corp_id=corp_id).values_list("id", "external_userid")
        grouped = {int(pk) for pk, ext in rows if ext in exts}
        ids = ids - grouped if cond.in_any_group is False else ids & grouped
    return ids


async def _with_senders(
    corp_id: int, ids: set[int], per: dict[int, list[tuple[str, list[str], datetime | None]]]
) -> Match:
    """The sending member for a customer several members follow: the lead's owner when they
    follow the customer, else the member who added the customer most recently (the freshest
    conversation, closest to WeCom's "last to chat"), then the smallest userid. One customer
    is in one task only, so nobody receives the same 群发 twice."""
    match = Match()
    if not ids:
        return match
    lead_owner: dict[int, str] = {}
    leads = Lead.filter(corp_id=corp_id, merged_into_id=None, customer_id__isnull=False)
    for cid, owner in await leads.exclude(owner_userid="").values_list(
        "customer_id", "owner_userid"
    ):
        lead_owner.setdefault(int(cid), str(owner))
    rows = await Customer.filter(corp_id=corp_id).values_list("id", "external_userid")
    external = {int(pk): str(ext) for pk, ext in rows if int(pk) in ids}
    floor = datetime.min.replace(tzinfo=UTC)
    for cid in sorted(external):
        rels = per[cid]
        followers = {u for u, _, _ in rels}
        owner = lead_owner.get(cid)
        if owner in followers:
            chosen = str(owner)
        else:
            chosen = sorted(rels, key=lambda r: (-(r[2] or floor).timestamp(), r[0]))[0][0]
        match.external[cid] = external[cid]
        match.sender[cid] = chosen
    return match


# Lists show every segment's count: each is a full evaluation (about a second at 100 000
# customers), so a list reuses counts for a minute; a segment's own page is always live.
_counts: TtlCache[tuple[int, int, str, tuple[str, ...] | None], int] = TtlCache(60.0)


async def count_of(seg: Segment, owners: list[str] | None, tz: str = clock.DEFAULT_ZONE) -> int:
    corp_id = int(seg.corp_id)  # type: ignore[attr-defined]
    key = (corp_id, seg.id, seg.updated_at.isoformat(), None if owners is None else tuple(owners))

    async def load() -> int:
        cond = Conditions.model_validate(seg.conditions)
        return (await evaluate(corp_id, cond, owners, tz=tz)).count

    return await _counts.get_or_load(key, load)
