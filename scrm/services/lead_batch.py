"""Batch intake: claim pending pushes, merge them into people, write leads in a few queries."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from tortoise import connections
from tortoise.transactions import in_transaction

from bot.logging import get_logger
from scrm import phones, storable
from scrm.leads.platforms import PLATFORMS, LeadFields, PushError
from scrm.models import Customer, Lead, LeadActivity, LeadEvent, LeadSource
from scrm.services import assignment, scoring
from scrm.services.lead_outcomes import finish_events, plain_body
from scrm.services.leads import _absorb, new_lead, people_locked, phone_index

BATCH = 500
log = get_logger("scrm.services.lead_batch")


async def claim(limit: int | None = None) -> list[dict[str, Any]]:
    """Take up to `limit` (BATCH) pending pushes; concurrent drains never take the same row.
    Bodies come back decrypted."""
    conn = connections.get("default")
    pg = conn.capabilities.dialect == "postgres"
    skip = " FOR UPDATE SKIP LOCKED" if pg else ""  # SQLite has one writer at a time anyway
    mark, at = ("$1", "$2") if pg else ("?", "?")
    sql = (
        f"UPDATE lead_event SET status = 'processing', updated_at = {at} WHERE id IN "
        f"(SELECT id FROM lead_event WHERE status = 'pending' ORDER BY id LIMIT {mark}{skip}) "
        "RETURNING id, corp_id, source_id, platform, body, attempts, created_at"
    )
    now = datetime.now(UTC)
    rows = await conn.execute_query_dict(
        sql, [limit or BATCH, now] if pg else [now, limit or BATCH]
    )
    for row in rows:
        row["body"] = plain_body(str(row["body"] or ""))
    return sorted(rows, key=lambda r: r["id"])


async def ingest_batch(
    events: list[dict[str, Any]], redis: Redis, max_attempts: int = 6
) -> Counter[str]:
    """Ingest a claimed batch. Each corp's share is written in one transaction; if it fails,
    its events are retried one by one, so a poison event fails alone: it goes to `retry`
    (back to pending after a backoff) and, after `max_attempts` tries, to `dead` with its
    reason, while the events around it are done."""
    counts: Counter[str] = Counter()
    by_corp: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_corp[int(event["corp_id"])].append(event)
    for corp_id, corp_events in by_corp.items():
        try:
            counts.update(await _ingest_corp(corp_id, corp_events, redis))
            continue
        except _INFRA:
            raise  # Redis or the database is away: the whole batch goes back to pending
        except Exception as exc:
            if len(corp_events) == 1:
                counts[await _failed(corp_events[0], exc, max_attempts)] += 1
                continue
            log.warning("leads.batch_failed", events=len(corp_events), error=type(exc).__name__)
        for event in corp_events:
            try:
                counts.update(await _ingest_corp(corp_id, [event], redis))
            except _INFRA:
                raise
            except Exception as exc:
                counts[await _failed(event, exc, max_attempts)] += 1
    return counts


# Failures of the infrastructure, not of an event: they must not use up an event's tries.
_INFRA = (RedisError, OSError, TimeoutError, ConnectionError)


async def _failed(event: dict[str, Any], exc: Exception, max_attempts: int) -> str:
    attempts = int(event.get("attempts") or 0) + 1
    status = "dead" if attempts >= max_attempts else "retry"
    reason = phones.mask_in_text(storable.clean(f"{type(exc).__name__}: {exc}"))[:2000]
    await LeadEvent.filter(id=event["id"]).update(
        status=status, attempts=attempts, error=reason, updated_at=datetime.now(UTC)
    )
    log.error("leads.event_failed", event_id=event["id"], attempts=attempts, status=status,
              error=reason[:300])  # fmt: skip
    return status


async def _ingest_corp(corp_id: int, events: list[dict[str, Any]], redis: Redis) -> Counter[str]:
    sources = {s.id: s for s in await LeadSource.filter(id__in={e["source_id"] for e in events})}
    status_of: dict[int, str] = {}
    reason_of: dict[int, str] = {}
    lead_of: dict[int, int | None] = {}
    parsed: list[tuple[dict[str, Any], LeadFields, str | None]] = []
    for event in events:
        try:
            fields = PLATFORMS[event["platform"]].fields(str(event["body"]).encode())
        except (PushError, KeyError) as exc:
            # Unreadable now means unreadable on every try: dead at once, with the reason.
            status_of[event["id"]], reason_of[event["id"]] = "dead", f"unreadable push: {exc}"
            continue
        index = phone_index(fields.phone)
        if not (index or fields.unionid):
            status_of[event["id"]] = "ignored"
            reason_of[event["id"]] = "no usable phone number or unionid"
            continue
        parsed.append((event, fields, index))
    keys = {k for _, f, index in parsed for k in (index, f.unionid) if k}
    async with people_locked(redis, corp_id, keys):
        # All of the batch's writes and its events' outcomes commit together: a failure
        # leaves nothing half-written (no lead made again on the retry).
        async with in_transaction():
            new, touched = await _merge(corp_id, parsed, sources, lead_of)
            for event, _, _ in parsed:
                status_of[event["id"]] = "done"
            await finish_events(lead_of, status_of, reason_of)
        try:
            await assignment.assign_many(new, redis)
        except Exception as exc:  # the leads are stored; unassigned ones wait for an owner
            log.error("leads.assign_failed", leads=len(new), error=repr(exc)[:300])
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
