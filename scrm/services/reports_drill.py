"""Drill-down: the records behind a report's number (leads, won or closed deals, quotes)."""

from __future__ import annotations

from typing import Any

from scrm.models import Lead, Opportunity, Quote
from scrm.services.reports_common import Scope, owner_filter
from scrm.services.reports_sales import with_leads

KINDS = ("leads", "won", "closed", "quotes")
LEAD_GROUPS = ("channel", "campaign", "owner_userid")
LIMIT = 500


async def records(
    scope: Scope, kind: str, field: str, value: str
) -> tuple[str, list[dict[str, Any]]]:
    """(record type, rows): at most LIMIT records, newest first. `field` "" or `value` ""
    on an owner column means the whole group (a total row)."""
    if kind == "leads":
        if field not in LEAD_GROUPS:
            raise ValueError(f"group by one of {', '.join(LEAD_GROUPS)}")
        q = Lead.filter(
            corp_id=scope.corp_id,
            merged_into_id=None,
            created_at__gte=scope.since,
            created_at__lt=scope.until,
            **owner_filter(scope.people()),
            **({"channel": scope.channel} if scope.channel else {}),
        ).filter(**{field: value})
        rows = (
            await q.order_by("-id")
            .limit(LIMIT)
            .values(
                "id",
                "name",
                "channel",
                "campaign",
                "owner_userid",
                "status",
                "grade",
                "created_at",
            )
        )
        return "lead", rows
    if kind in ("won", "closed"):
        deals = Opportunity.filter(
            corp_id=scope.corp_id,
            closed_at__gte=scope.since,
            closed_at__lt=scope.until,
            **owner_filter(scope.people()),
        )
        if kind == "won":
            deals = deals.filter(stage__is_won=True)
        if value:
            deals = deals.filter(owner_userid=value)
        rows = (
            await deals.order_by("-closed_at")
            .limit(LIMIT)
            .values("id", "name", "owner_userid", "amount", "stage__name", "lead_id", "closed_at")
        )
        return "opportunity", await with_leads(scope, rows)
    if kind == "quotes":
        quotes = Quote.filter(
            corp_id=scope.corp_id,
            created_at__gte=scope.since,
            created_at__lt=scope.until,
            **owner_filter(scope.people(), "opportunity__owner_userid"),
        )
        fields = (
            "id",
            "number",
            "opportunity_id",
            "opportunity__owner_userid",
            "discount_bp",
            "approval_level",
            "status",
            "lines",
            "created_at",
        )
        if not value:
            return "quote", await quotes.order_by("-id").limit(LIMIT).values(*fields)
        mine = await quotes.filter(opportunity__owner_userid=value).order_by("-id").limit(LIMIT)
        if mine:  # a member's quotes
            ids = [q.id for q in mine]
            return "quote", await Quote.filter(id__in=ids).order_by("-id").values(*fields)
        # Else a product: the quotes of the window with a line of it (lines are JSON).
        every = await quotes.order_by("-id").values(*fields)
        rows = [r for r in every if any(x.get("product") == value for x in r["lines"])]
        return "quote", rows[:LIMIT]
    raise ValueError(f"kind must be one of {', '.join(KINDS)}")
