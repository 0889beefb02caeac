"""Sweeping triggers: dates (birthdays, contract anniversaries) and lead attributes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrm.enums import LeadStatus, members
from scrm.infra import clock
from scrm.models import Contract, Corp, Customer, Journey, JourneyRun, Lead, Opportunity
from scrm.sop import journey_segments, journeys


def _month_day(value: object) -> str:
    """'1990-05-17' or '05-17' → '05-17'; anything else → ''."""
    text = str(value or "").strip()
    return text[-5:] if len(text) in (5, 10) and text[-3] == "-" else ""


async def enroll_due(now: datetime | None = None) -> int:
    """Each date journey: customers whose date is `days_before` days from today (corp zone),
    entered once per year (the entry is the year the date falls in), and each attribute
    journey: customers whose lead matches. Idempotent, so the cron may run as often as it
    likes."""
    now = now or datetime.now(UTC)
    entered = 0
    for journey in await Journey.filter(status="active"):
        trigger = journey.trigger
        if trigger.get("kind") == "attribute":
            entered += await _attribute(journey, now)
            continue
        if trigger.get("kind") == "segment":
            entered += await journey_segments.enroll_segment(journey, now)
            continue
        if trigger.get("kind") != "date":
            continue
        corp = await Corp.get(id=journey.corp_id)  # type: ignore[attr-defined]
        local = now.astimezone(clock.zone(corp.timezone))
        when = local + timedelta(days=int(trigger.get("days_before", 0)))
        target = when.strftime("%m-%d")
        field = trigger["date_field"]
        people: list[tuple[str, str]] = []
        if field == "contract_renewal":
            for contract in await Contract.filter(
                corp_id=corp.id, signed_at__lt=now - timedelta(days=300)
            ):
                if contract.signed_at.astimezone(local.tzinfo).strftime("%m-%d") != target:
                    continue
                opp = await Opportunity.get(id=contract.opportunity_id)  # type: ignore[attr-defined]
                customer = (
                    await Customer.get_or_none(id=opp.customer_id_ref)
                    if opp.customer_id_ref
                    else None
                )
                if customer is not None:
                    people.append((customer.external_userid, opp.owner_userid))
        else:
            leads = await Lead.filter(corp_id=corp.id, merged_into_id=None).exclude(
                external_userid=""
            )
            people = [
                (x.external_userid, x.owner_userid)
                for x in leads
                if x.owner_userid and _month_day(x.attributes.get(field)) == target
            ]
        for ext, owner in people:
            entered += await journeys.enroll(
                corp.id,
                "date",
                ext,
                owner,
                {"journey_id": journey.id},
                now=now,
                entry=str(when.year),
            )
    return entered


LEAD_COLUMNS = ("city", "channel", "campaign", "platform", "status")


def attribute_value(lead: Lead, field: str) -> str:
    """A lead column by that name, else the form attribute."""
    value = getattr(lead, field) if field in LEAD_COLUMNS else lead.attributes.get(field)
    return str(value or "").strip()


def attribute_matches(trigger: dict[str, object], lead: Lead) -> bool:
    value = attribute_value(lead, str(trigger.get("field", "")))
    wanted = trigger.get("values") or []
    return bool(value) and (not wanted or value in wanted)  # type: ignore[operator]


async def _attribute(journey: Journey, now: datetime) -> int:
    """Customers (leads linked to a WeCom customer, with an owner) whose attribute matches."""
    entered = 0
    corp_id = journey.corp_id  # type: ignore[attr-defined]
    already = set(
        await JourneyRun.filter(journey_id=journey.id).values_list("external_userid", flat=True)
    )
    query = Lead.filter(corp_id=corp_id, merged_into_id=None).exclude(external_userid="")
    field, values = str(journey.trigger.get("field", "")), journey.trigger.get("values") or []
    if field in LEAD_COLUMNS and values:  # narrowed in SQL, checked again below
        if field == "status":  # a closed set: a value outside it is in no row
            values = members(LeadStatus, values)
        query = query.filter(**{f"{field}__in": values})
    for lead in await query:
        if lead.external_userid in already or not lead.owner_userid:
            continue
        if attribute_matches(journey.trigger, lead):
            entered += await journeys.enroll(
                corp_id, "attribute", lead.external_userid, lead.owner_userid,
                {"journey_id": journey.id}, now=now,
            )  # fmt: skip
    return entered
