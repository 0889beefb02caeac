"""Batch intake: claim pending pushes, merge them into people, write leads a batch at a time."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from scrm import phones, storable
from scrm.infra.logging import get_logger
from scrm.models import Customer, Lead, LeadEvent, LeadSource
from scrm.services import assignment, lead_merge, lead_rows, scoring
from scrm.services.lead_merge import Plan, Push
from scrm.services.lead_outcomes import finish_events, plain_body
from scrm.services.lead_platforms import PLATFORMS, PushError
from scrm.services.leads import phone_index

BATCH = 500
log = get_logger("scrm.services.lead_batch")


class BatchLost(Exception):
    """A claimed batch was handed back (its drain looked dead) before it was written: another
    drain may hold its rows now, so this one writes nothing of it."""


async def claim(limit: int | None = None, at: datetime | None = None) -> list[dict[str, Any]]:
    """Take up to `limit` (BATCH) pending pushes; concurrent drains never take the same row.
    Bodies come back decrypted. The rows are stamped `at` (now): each event's `claimed_at`
    is the batch's fencing token (a sweep that hands the rows back changes it)."""
    conn = connections.get("default")
    pg = conn.capabilities.dialect == "postgres"
    skip = " FOR UPDATE SKIP LOCKED" if pg else ""  # SQLite has one writer at a time anyway
    mark, stamp = ("$1", "$2") if pg else ("?", "?")
    sql = (
        f"UPDATE lead_event SET status = 'processing', updated_at = {stamp} WHERE id IN "
        f"(SELECT id FROM lead_event WHERE status = 'pending' ORDER BY id LIMIT {mark}{skip}) "
        "RETURNING id, corp_id, source_id, platform, body, attempts, created_at, "
        "updated_at AS claimed_at"
    )
    now = at or datetime.now(UTC)
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
        except (*_INFRA, BatchLost):
            raise  # Redis or the database is away: the whole batch goes back to pending
        except Exception as exc:
            if len(corp_events) == 1:
                counts[await _failed(corp_events[0], exc, max_attempts)] += 1
                continue
            log.warning("leads.batch_failed", events=len(corp_events), error=type(exc).__name__)
        for event in corp_events:
            try:
                counts.update(await _ingest_corp(corp_id, [event], redis))
            except (*_INFRA, BatchLost):
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
    await LeadEvent.filter(id=event["id"], status="processing").update(
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
    parsed: list[Push] = []
    index_of: dict[str, str | None] = {}  # the batch's phones, normalised and indexed once
    for event in events:
        try:
            fields = PLATFORMS[event["platform"]].fields(str(event["body"]).encode())
        except (PushError, KeyError) as exc:
            # Unreadable now means unreadable on every try: dead at once, with the reason.
            status_of[event["id"]], reason_of[event["id"]] = "dead", f"unreadable push: {exc}"
            continue
        if fields.phone not in index_of:
            index_of[fields.phone] = phone_index(fields.phone)
        index = index_of[fields.phone]
        if not (index or fields.unionid):
            status_of[event["id"]] = "ignored"
            reason_of[event["id"]] = "no usable phone number or unionid"
            continue
        parsed.append(Push(event, fields, index))
    taken, left, held = await lead_merge.take_people(redis, corp_id, parsed)
    for push in left:  # another drain holds these people: a later drain takes the pushes
        status_of[push.event["id"]] = "pending"
    try:
        # All of the batch's writes and its events' outcomes commit together: a failure
        # leaves nothing half-written (no lead made again on the retry).
        async with in_transaction():
            await _fence(events)
            result = await _merge(corp_id, taken, sources, redis)
            for push in taken:
                status_of[push.event["id"]] = "done"
                lead_of[push.event["id"]] = result.lead_of[push.event["id"]].pk
            await finish_events(lead_of, status_of, reason_of)
        try:
            if not result.assigned:
                await assignment.assign_many(result.new, redis)
        except Exception as exc:  # the leads are stored; unassigned ones wait for an owner
            log.error("leads.assign_failed", leads=len(result.new), error=repr(exc)[:300])
    finally:
        await held.release()
    return Counter(
        {
            "created": len(result.new),
            "merged": len(taken) - len(result.new),
            "touched": len(result.changed),
            "deferred": len(left),
            **Counter(s for s in status_of.values() if s not in ("done", "pending")),
        }
    )


async def _fence(events: list[dict[str, Any]]) -> None:
    """Lock the events' rows for this transaction and check they are still this claim's. A
    sweep that already handed them back wins (BatchLost: nothing is written, the transaction
    rolls back); one that comes later waits for the lock, then finds them done."""
    conn = connections.get("default")
    pg = conn.capabilities.dialect == "postgres"
    ids = [int(e["id"]) for e in events]
    if pg:
        sql = (
            "SELECT id FROM lead_event WHERE id = ANY($1::bigint[]) AND status = 'processing' "
            "AND updated_at = $2 FOR UPDATE"
        )
        params: list[Any] = [ids, events[0]["claimed_at"]]
    else:  # one writer at a time: no lock to take
        marks = ", ".join("?" for _ in ids)
        sql = (
            f"SELECT id FROM lead_event WHERE id IN ({marks}) AND status = 'processing' "
            "AND updated_at = ?"
        )
        params = [*ids, events[0]["claimed_at"]]
    if len(await conn.execute_query_dict(sql, params)) != len(ids):
        raise BatchLost(f"{len(ids)} pushes handed back before they were written")


async def _merge(
    corp_id: int, pushes: list[Push], sources: dict[int, LeadSource], redis: Redis
) -> Plan:
    """One SELECT of the people the batch names, merges decided in memory, then one
    statement each for new leads, changed leads and the timeline. When no member's holdings
    are at stake (`assignment.pool_only`), new leads are written with their pool place."""
    indexes = sorted({p.index for p in pushes if p.index})
    unions = sorted({p.fields.unionid for p in pushes if p.fields.unionid})
    existing: list[Lead] = []
    if indexes or unions:
        existing = await Lead.filter(
            Q(phone_index__in=indexes) | Q(unionid__in=unions),
            corp_id=corp_id,
            merged_into_id=None,
        ).order_by("-id")  # the oldest lead of a phone or unionid wins (last into the dicts)
    customers = await Customer.filter(corp_id=corp_id, phone_index__in=indexes) if indexes else []
    rules = await scoring.active_rules(corp_id)
    settings = await scoring.settings_for(corp_id)
    result = lead_merge.plan(corp_id, pushes, sources, existing, customers, rules, settings)
    now = datetime.now(UTC)
    decided = await assignment.decide_unowned(corp_id, result.new, redis, now)
    result.assigned = decided is not None
    await lead_rows.insert_leads(result.new, now)
    await lead_rows.update_leads(result.changed, lead_rows.LEAD_MERGE, now)
    await lead_rows.update_leads(result.phones_changed, lead_rows.LEAD_PHONES, now)
    rows = lead_merge.activities(corp_id, pushes, result)
    rows += assignment.timeline(corp_id, decided or [], now)
    await lead_rows.insert_activities(rows, now)
    return result
