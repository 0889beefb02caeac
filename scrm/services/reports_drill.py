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
        rows = (
            await quotes.order_by("-id")
            .limit(LIMIT)
            .values(
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
        )
        if value:  # a member's quotes, or the quotes with a line of that product
            rows = [
                r
                for r in rows
                if r["opportunity__owner_userid"] == value
                or any(line.get("product") == value for line in r["lines"])
            ]
        return "quote", rows
    raise ValueError(f"kind must be one of {', '.join(KINDS)}")
