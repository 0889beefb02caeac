"""What the journey engine reads about a batch of customers, each in a few bulk queries."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from scrm.enums import RelationStatus
from scrm.infra.schedule import parse_hhmm
from scrm.models import FollowRelation, Journey, JourneyLog, Lead, LeadActivity

if TYPE_CHECKING:  # the batch module imports this one
    from scrm.sop.journey_state import Claimed

CHUNK = 5000  # ids per IN (…): one query per claimed batch, inside both databases' limits


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _distinct(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


async def friends(corp_id: int, runs: list[Claimed]) -> set[tuple[str, str]]:
    """(external_userid, owner userid) pairs that are still active friends."""
    out: set[tuple[str, str]] = set()
    for chunk in _chunks(_distinct(r.external_userid for r in runs)):
        rows = await FollowRelation.filter(
            corp_id=corp_id, status=RelationStatus.ACTIVE, customer__external_userid__in=chunk
        ).values_list("customer__external_userid", "staff__userid")
        out.update((str(ext), str(user)) for ext, user in rows)
    return out


async def changed_since(corp_id: int, since: datetime) -> set[str]:
    """Customers any of whose relations changed (ended, re-tagged) at or after `since`."""
    rows = await FollowRelation.filter(corp_id=corp_id, updated_at__gte=since).values_list(
        "customer__external_userid", flat=True
    )
    return {str(ext) for ext in rows}


async def sent_since(corp_id: int, since: datetime) -> set[str]:
    """Customers who were sent anything (by any journey, any scanner) logged at or after
    `since` (a send's log time is when WeCom made the task)."""
    rows = await JourneyLog.filter(
        corp_id=corp_id, action="sent", created_at__gte=since
    ).values_list("external_userid", flat=True)
    return {str(ext) for ext in rows}


async def branch_hits(corp_id: int, node: dict[str, Any], runs: list[Claimed]) -> set[int]:
    """Ids of the runs for which the branch's condition holds: a tag on the relation with the
    owner (`if_tag`), a recent behaviour of the customer's lead (`if_activity`), or the lead's
    grade (`if_grades`)."""
    exts = _distinct(r.external_userid for r in runs)
    if node.get("if_tag"):
        return await tagged(corp_id, runs, {node["if_tag"]})
    if node.get("if_activity"):
        return await active(corp_id, runs, node["if_activity"], int(node.get("within_days", 7)))
    grades: dict[str, str] = {}
    for chunk in _chunks(exts):
        rows = await Lead.filter(
            corp_id=corp_id, external_userid__in=chunk, merged_into_id=None
        ).values_list("external_userid", "grade")
        grades.update((str(e), str(g)) for e, g in rows)
    wanted = set(node.get("if_grades", []))
    return {r.id for r in runs if grades.get(r.external_userid) in wanted}


async def tagged(corp_id: int, runs: list[Claimed], tags: set[str]) -> set[int]:
    """Ids of the runs whose relation with the owner carries one of `tags`."""
    if not tags:
        return set()
    found: set[tuple[str, str]] = set()
    for chunk in _chunks(_distinct(r.external_userid for r in runs)):
        rows = await FollowRelation.filter(
            corp_id=corp_id, customer__external_userid__in=chunk
        ).values_list("customer__external_userid", "staff__userid", "tag_ids")
        found.update((str(e), str(u)) for e, u, ids in rows if not tags.isdisjoint(ids))
    return {r.id for r in runs if (r.external_userid, r.owner_userid) in found}


async def active(corp_id: int, runs: list[Claimed], kind: str, days: int) -> set[int]:
    """Ids of the runs whose customer's lead did `kind` (a behaviour: viewed content,
    requested a demo…) in the last `days` days."""
    since = datetime.now(UTC) - timedelta(days=days)
    leads: dict[int, str] = {}
    for chunk in _chunks(_distinct(r.external_userid for r in runs)):
        rows = await Lead.filter(
            corp_id=corp_id, external_userid__in=chunk, merged_into_id=None
        ).values_list("id", "external_userid")
        leads.update((int(i), str(e)) for i, e in rows)
    did: set[str] = set()
    ids = list(leads)
    for start in range(0, len(ids), CHUNK):
        rows = await LeadActivity.filter(
            lead_id__in=ids[start : start + CHUNK], kind=kind, at__gte=since
        ).values_list("lead_id")
        did.update(leads[int(lead_id)] for (lead_id,) in rows)
    return {r.id for r in runs if r.external_userid in did}


async def sent_counts(
    corp_id: int, exts: list[str], local: datetime
) -> dict[str, tuple[int, int, int]]:
    """Per customer: sends in the last day, the last 7 days and this calendar month, across
    every journey (the caps and WeCom's monthly limit count them all)."""
    now = local.astimezone(UTC)
    day, week = now - timedelta(days=1), now - timedelta(days=7)
    month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    counts: dict[str, list[int]] = {}
    for chunk in _chunks(_distinct(exts)):
        rows = await JourneyLog.filter(
            corp_id=corp_id, action="sent", external_userid__in=chunk, at__gte=min(week, month)
        ).values_list("external_userid", "at")
        for ext, at in rows:
            c = counts.setdefault(str(ext), [0, 0, 0])
            c[0] += at >= day
            c[1] += at >= week
            c[2] += at >= month
    return {ext: (c[0], c[1], c[2]) for ext, c in counts.items()}


def quiet_until(journey: Journey, local: datetime) -> datetime | None:
    """The end of quiet hours if `local` falls inside them (the window may cross midnight,
    and equal ends mean there are none)."""
    start, end, t = parse_hhmm(journey.quiet_start), parse_hhmm(journey.quiet_end), local.time()
    if start == end:  # an empty window: no quiet hours (not "quiet all day")
        return None
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if (start < end or t < end) else local.date() + timedelta(days=1)
    return datetime.combine(day, end if end != time.max else time(23, 59), tzinfo=local.tzinfo)


def month_limit(local: datetime) -> int:
    """WeCom: a customer receives at most as many mass messages a month as the month has days."""
    return calendar.monthrange(local.year, local.month)[1]
