"""Leads as people: intake with identity merge, activities, follow-ups, manual merge/unmerge."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from scrm import phones, vault
from scrm.infra import locks
from scrm.models import Customer, Lead, LeadActivity, LeadSource
from scrm.models.base import corp_pk
from scrm.services import journey_enroll, scoring
from scrm.services.lead_platforms import LeadFields


def phone_index(phone: str) -> str | None:
    """The blind index of a phone's normal form; None when it is not a phone number."""
    normal = phones.key(phone)
    return vault.current().blind_index(normal) if normal else None


@contextlib.asynccontextmanager
async def people_locked(redis: Redis, corp_id: int, keys: set[str]) -> AsyncIterator[None]:
    """Serialise intakes of the same people (phone index or unionid) across workers, so two
    pushes of one new person never make two leads. All-or-nothing and retried: nobody waits
    while holding half of their locks, so two batches cannot deadlock."""
    names = [f"lead:person:{corp_id}:{hashlib.sha1(k.encode()).hexdigest()}" for k in keys]
    # ≤ 10 s (locks.Busy, a TimeoutError); a holder keeps them for milliseconds
    async with locks.hold_all(redis, names, ttl=30, wait=10):
        yield


def new_lead(
    corp_id: int,
    source: LeadSource,
    fields: LeadFields,
    index: str | None,
    blank: Lead | None = None,
) -> Lead:
    """A first push: the source's platform, channel and campaign stay the lead's for good.
    A batch passes a `blank` lead of the corp to copy: `Model.__init__` costs ~0.2 ms (every
    field's default, coroutine checks), a copy a tenth of that."""
    platform, channel = source.platform, source.channel or source.platform
    campaign = fields.campaign or source.campaign
    if blank is None:
        return Lead(
            corp_id=corp_id,
            platform=platform,
            channel=channel,
            campaign=campaign,
            phone_index=index,
        )
    lead = copy.copy(blank)
    lead.utm, lead.attributes, lead.rule_points = {}, {}, {}  # never shared between copies
    lead._await_when_save = {}
    lead.platform, lead.channel, lead.campaign, lead.phone_index = (
        platform,
        channel,
        campaign,
        index,
    )
    return lead


async def find_person(corp_id: int, index: str | None, unionid: str) -> Lead | None:
    if index:
        found = await Lead.filter(corp_id=corp_id, phone_index=index, merged_into_id=None).first()
        if found:
            return found
    if unionid:
        return await Lead.filter(corp_id=corp_id, unionid=unionid, merged_into_id=None).first()
    return None


async def ingest(
    source: LeadSource, fields: LeadFields, redis: Redis, at: datetime | None = None
) -> tuple[Lead, bool]:
    """Create the lead, or merge the push into the person's lead; returns (lead, created)."""
    at = at or datetime.now(UTC)
    corp_id = corp_pk(source)
    index = phone_index(fields.phone)
    async with people_locked(redis, corp_id, {k for k in (index, fields.unionid) if k}):
        lead = await find_person(corp_id, index, fields.unionid)
        created = lead is None
        if lead is None:
            lead = new_lead(corp_id, source, fields, index)
        _absorb(lead, fields, index)
        lead.last_activity_at = at
        if not created:
            lead.touches += 1
        if getattr(lead, "customer_id", None) is None:
            lead.customer = await _customer_for(corp_id, index, fields.unionid)
        rules = await scoring.active_rules(corp_id)
        settings = await scoring.settings_for(corp_id)
        scoring.recompute(lead, settings, rules, attributes=True, event="intake")
        await lead.save()
        await LeadActivity.create(
            corp_id=corp_id,
            lead_id=lead.id,
            kind="intake" if created else "duplicate_intake",
            at=at,
            data={"platform": source.platform, "source": source.key},
        )
        return lead, created


def _absorb(lead: Lead, fields: LeadFields, index: str | None) -> None:
    """Fill what the lead lacks; never overwrite the first source's values."""
    lead.name = lead.name or fields.name
    normal = phones.key(fields.phone)
    if normal and not lead.phone:
        lead.phone, lead.phone_index = normal, index
    others = json.loads(lead.other_phones or "[]")
    for number in (*fields.other_phones, *([normal] if normal else [])):
        if number != lead.phone and number not in others:
            others.append(number)
    lead.other_phones = json.dumps(others[:20]) if others else lead.other_phones
    lead.unionid = lead.unionid or fields.unionid
    lead.city = lead.city or fields.city
    lead.ad_id = lead.ad_id or fields.ad_id
    lead.utm = {**fields.utm, **lead.utm}
    lead.attributes = {**fields.attributes, **lead.attributes}


async def _customer_for(corp_id: int, index: str | None, unionid: str) -> Customer | None:
    if index:
        found = await Customer.filter(corp_id=corp_id, phone_index=index).first()
        if found:
            return found
    if unionid:
        return await Customer.filter(corp_id=corp_id, unionid=unionid).first()
    return None


async def record_activity(
    lead: Lead,
    event: str,
    *,
    actor: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """A behaviour (content viewed, demo requested, …): decay first, then the rule points."""
    at = at or datetime.now(UTC)
    settings = await scoring.settings_for(corp_pk(lead))
    rules = await scoring.active_rules(corp_pk(lead))
    grade_before = lead.grade
    gained = scoring.recompute(lead, settings, rules, event=event, decay_to=at)
    lead.last_activity_at = at
    await lead.save()
    await LeadActivity.create(
        corp_id=corp_pk(lead),
        lead_id=lead.id,
        kind=event,
        points=gained,
        actor=actor,
        data=data or {},
        at=at,
    )
    if lead.grade != grade_before and lead.external_userid and lead.owner_userid:
        # A customer whose lead reaches a grade may start a journey (客户SOP trigger).
        await journey_enroll.enroll(
            corp_pk(lead),
            "grade_reached",
            lead.external_userid,
            lead.owner_userid,
            {"grade": lead.grade},
            now=at,
        )
    return gained


async def record_followup(lead: Lead, userid: str, note: str, at: datetime | None = None) -> None:
    at = at or datetime.now(UTC)
    lead.last_followup_at = at
    lead.first_response_at = lead.first_response_at or at
    lead.recycle_warned_at = None
    await lead.save(
        update_fields=["last_followup_at", "first_response_at", "recycle_warned_at", "updated_at"]
    )
    await LeadActivity.create(
        corp_id=corp_pk(lead),
        lead_id=lead.id,
        kind="followup",
        actor=userid,
        data={"note": note[:2000]},
        at=at,
    )


async def merge(keep: Lead, other: Lead, actor: str) -> Lead:
    """Manual merge: `other` points at `keep`; its values fill gaps; both keep their history."""
    if keep.id == other.id or other.merged_into_id is not None or keep.merged_into_id is not None:
        raise ValueError("both leads must be distinct and not merged already")
    snapshot = {
        "name": keep.name,
        "city": keep.city,
        "attributes": keep.attributes,
        "touches": keep.touches,
    }
    keep.name, keep.city = keep.name or other.name, keep.city or other.city
    keep.attributes = {**other.attributes, **keep.attributes}
    keep.touches += other.touches
    other.merged_into_id = keep.id
    await keep.save()
    await other.save(update_fields=["merged_into_id", "updated_at"])
    now = datetime.now(UTC)
    await LeadActivity.create(
        corp_id=corp_pk(keep),
        lead_id=keep.id,
        kind="merge",
        actor=actor,
        data={"merged": other.id, "before": snapshot},
        at=now,
    )
    return keep


async def unmerge(other: Lead, actor: str) -> Lead:
    """Undo a merge: the kept lead gets its pre-merge values back from the merge record."""
    if other.merged_into_id is None:
        raise ValueError("this lead is not merged")
    keep = await Lead.get(id=other.merged_into_id)
    record = await LeadActivity.filter(lead_id=keep.id, kind="merge").order_by("-id").first()
    if record is None or record.data.get("merged") != other.id:
        raise ValueError("only the latest merge can be undone")
    before = record.data["before"]
    keep.name, keep.city, keep.attributes, keep.touches = (
        before["name"],
        before["city"],
        before["attributes"],
        before["touches"],
    )
    other.merged_into_id = None
    await keep.save()
    await other.save(update_fields=["merged_into_id", "updated_at"])
    await LeadActivity.create(
        corp_id=corp_pk(keep),
        lead_id=keep.id,
        kind="unmerge",
        actor=actor,
        data={"unmerged": other.id},
        at=datetime.now(UTC),
    )
    return keep
