"""Date triggers: birthdays (a lead attribute) and contract anniversaries, days ahead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from scrm.models import Contract, Corp, Customer, Journey, Lead, Opportunity
from scrm.sop import journeys


def _month_day(value: object) -> str:
    """'1990-05-17' or '05-17' → '05-17'; anything else → ''."""
    text = str(value or "").strip()
    return text[-5:] if len(text) in (5, 10) and text[-3] == "-" else ""


async def enroll_due(now: datetime | None = None) -> int:
    """Each date journey: customers whose date is `days_before` days from today (corp zone).
    Idempotent — a customer enters a journey once — so the cron may run as often as it likes."""
    now = now or datetime.now(UTC)
    entered = 0
    for journey in await Journey.filter(status="active"):
        trigger = journey.trigger
        if trigger.get("kind") != "date":
            continue
        corp = await Corp.get(id=journey.corp_id)  # type: ignore[attr-defined]
        local = now.astimezone(ZoneInfo(corp.timezone or "Asia/Shanghai"))
        target = (local + timedelta(days=int(trigger.get("days_before", 0)))).strftime("%m-%d")
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
                corp.id, "date", ext, owner, {"journey_id": journey.id}, now=now
            )
    return entered
