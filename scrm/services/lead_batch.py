"""Batch intake: claim pending pushes, merge them into people, write leads in a few queries."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from tortoise import connections

from scrm.leads.platforms import PLATFORMS, LeadFields, PushError
from scrm.models import Customer, Lead, LeadActivity, LeadSource
from scrm.services import assignment, scoring
from scrm.services.leads import _absorb, new_lead, people_locked, phone_index

BATCH = 500


async def claim(limit: int | None = None) -> list[dict[str, Any]]:
    """Take up to `limit` (BATCH) pending pushes; concurrent drains never take the same row."""
    conn = connections.get("default")
    pg = conn.capabilities.dialect == "postgres"
    skip = " FOR UPDATE SKIP LOCKED" if pg else ""  # SQLite has one writer at a time anyway
    mark = "$1" if pg else "?"
    sql = (
        "UPDATE lead_event SET status = 'processing' WHERE id IN (SELECT id FROM lead_event "
        f"WHERE status = 'pending' ORDER BY id LIMIT {mark}{skip}) "
        "RETURNING id, corp_id, source_id, platform, body, created_at"
    )
    rows = await conn.execute_query_dict(sql, [limit or BATCH])
    return sorted(rows, key=lambda r: r["id"])


async def _finish_events(done: dict[int, int | None], status_of: dict[int, str]) -> None:
    conn = connections.get("default")
    pg = conn.capabilities.dialect == "postgres"
    for status in set(status_of.values()):
        ids = [i for i, s in status_of.items() if s == status]
        for start in range(0, len(ids), 400):
            chunk = ids[start : start + 400]
            values = [(i, done.get(i)) for i in chunk]
            if pg:
                rows = ", ".join(
                    f"(${2 * k + 2}::bigint, ${2 * k + 3}::bigint)" for k in range(len(values))
                )
                sql = (
                    f"UPDATE lead_event SET status = $1, lead_id = v.lead FROM (VALUES {rows}) "
                    "AS v(id, lead) WHERE lead_event.id = v.id"
                )
            else:
                rows = ", ".join("(?, ?)" for _ in values)
                sql = (
                    f"UPDATE lead_event SET status = ?, lead_id = v.column2 FROM (VALUES {rows}) "
                    "AS v WHERE lead_event.id = v.column1"
                )
            params: list[Any] = [status, *[x for pair in values for x in pair]]
            await conn.execute_query(sql, params)


async def ingest_batch(events: list[dict[str, Any]], redis: Redis) -> Counter[str]:
    counts: Counter[str] = Counter()
    by_corp: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_corp[int(event["corp_id"])].append(event)
    for corp_id, corp_events in by_corp.items():
        counts.update(await _ingest_corp(corp_id, corp_events, redis))
    return counts


async def _ingest_corp(corp_id: int, events: list[dict[str, Any]], redis: Redis) -> Counter[str]:
    sources = {s.id: s for s in await LeadSource.filter(id__in={e["source_id"] for e in events})}
    status_of: dict[int, str] = {}
    lead_of: dict[int, int | None] = {}
    parsed: list[tuple[dict[str, Any], LeadFields, str | None]] = []
    for event in events:
        try:
            fields = PLATFORMS[event["platform"]].fields(str(event["body"]).encode())
        except (PushError, KeyError):
            status_of[event["id"]] = "failed"
            continue
        if not (fields.phone or fields.unionid):
            status_of[event["id"]] = "ignored"
            continue
        parsed.append((event, fields, phone_index(fields.phone)))
    keys = {k for _, f, index in parsed for k in (index, f.unionid) if k}
    async with people_locked(redis, corp_id, keys):
        new, touched = await _merge(corp_id, parsed, sources, lead_of)
        for event, _, _ in parsed:
            status_of[event["id"]] = "done"
        await assignment.assign_many(new, redis)
    await _finish_events(lead_of, status_of)
    return Counter(
        {
            "created": len(new),
            "merged": len(parsed) - len(new),
            "touched": touched,
            **Counter(s for s in status_of.values() if s != "done"),
        }
    )


async def _merge(
    corp_id: int,
    parsed: list[tuple[dict[str, Any], LeadFields, str | None]],
    sources: dict[int, LeadSource],
    lead_of: dict[int, int | None],
) -> tuple[list[Lead], int]:
    indexes = {i for _, _, i in parsed if i}
    unions = {f.unionid for _, f, _ in parsed if f.unionid}
    existing = (
        await Lead.filter(corp_id=corp_id, merged_into_id=None, phone_index__in=indexes)
        if indexes
        else []
    )
    if unions:
        existing += await Lead.filter(corp_id=corp_id, merged_into_id=None, unionid__in=unions)
    by_index = {x.phone_index: x for x in existing if x.phone_index}
    by_union = {x.unionid: x for x in existing if x.unionid}
    customers = await Customer.filter(corp_id=corp_id, phone_index__in=indexes) if indexes else []
    customer_by_index = {c.phone_index: c for c in customers}
    rules = await scoring.active_rules(corp_id)
    settings = await scoring.settings_for(corp_id)
    new: list[Lead] = []
    changed: dict[int, Lead] = {}
    owner: dict[int, Lead] = {}  # event id → lead (new leads get ids later)
    for event, fields, index in parsed:
        source = sources[event["source_id"]]
        lead = (by_index.get(index) if index else None) or by_union.get(fields.unionid or "\0")
        at = event["created_at"] or datetime.now(UTC)
        if lead is None:
            lead = new_lead(corp_id, source, fields, index)
            if index and index in customer_by_index:
                lead.customer = customer_by_index[index]
            new.append(lead)
        else:
            lead.touches += 1
        _absorb(lead, fields, index)
        if index:
            by_index[index] = lead
        if lead.unionid:
            by_union[lead.unionid] = lead
        lead.last_activity_at = at
        scoring.score_attributes(lead, rules)
        scoring.add_behaviour(lead, rules, "intake")
        scoring.finish(lead, settings)
        owner[event["id"]] = lead
        if lead.pk is not None:
            changed[lead.pk] = lead
    # New leads need ids for their activities: insert them concurrently (the pool's width).
    new = [x for x in new if x.pk is None]
    for start in range(0, len(new), 50):
        await asyncio.gather(*(x.save() for x in new[start : start + 50]))
    if changed:
        await Lead.bulk_update(
            list(changed.values()),
            fields=[
                "name",
                "phone",
                "phone_index",
                "unionid",
                "city",
                "ad_id",
                "utm",
                "attributes",
                "attr_score",
                "behaviour_score",
                "rule_points",
                "score",
                "grade",
                "status",
                "touches",
                "last_activity_at",
            ],
        )
    first_seen: set[int] = set()
    activities = []
    for event, _, _ in parsed:
        lead = owner[event["id"]]
        kind = "duplicate_intake" if (lead.pk in first_seen or lead not in new) else "intake"
        first_seen.add(lead.pk)
        lead_of[event["id"]] = lead.pk
        activities.append(
            LeadActivity(
                corp_id=corp_id,
                lead_id=lead.pk,
                kind=kind,
                at=event["created_at"],
                data={"platform": event["platform"], "event_id": event["id"]},
            )
        )
    await LeadActivity.bulk_create(activities)
    return new, len(changed)
