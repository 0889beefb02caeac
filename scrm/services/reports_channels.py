"""Channels: ROI per channel (cost per lead, MQL and won deal; revenue) and live-code effect."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from scrm.models import Campaign, Lead, Payment
from scrm.models.livecode import LiveCode, LiveCodeAdd
from scrm.services import reports
from scrm.services.reports_common import Scope, owner_filter, rate


async def _revenue(scope: Scope) -> dict[str, int]:
    """Payments received, per channel, on contracts of opportunities whose lead was created
    in the window (and is in scope). Walks from the payments, which are few."""
    paid = await Payment.filter(
        corp_id=scope.corp_id, contract__opportunity__lead_id__isnull=False
    ).values_list("amount", "contract__opportunity__lead_id")
    lead_ids = {lead_id for _, lead_id in paid}
    leads = dict(
        await Lead.filter(
            id__in=list(lead_ids) or [0],
            created_at__gte=scope.since,
            created_at__lt=scope.until,
            **owner_filter(scope.people()),
        ).values_list("id", "channel")
    )
    revenue: dict[str, int] = defaultdict(int)
    for amount, lead_id in paid:
        if lead_id in leads:
            revenue[leads[lead_id]] += amount
    return revenue


async def channel_roi(scope: Scope) -> list[dict[str, Any]]:
    """Per channel, for leads created in the window: the funnel counts, the cost of the
    channel's campaigns (entered per campaign), cost per lead / MQL / won deal, revenue."""
    funnel = await reports.funnel(
        scope.corp_id,
        "channel",
        scope.since,
        scope.until,
        owners=scope.people(),
        channel=scope.channel,
    )
    costs: dict[str, int] = defaultdict(int)
    for channel, cost in await Campaign.filter(corp_id=scope.corp_id).values_list(
        "channel", "cost"
    ):
        costs[channel] += cost
    revenue = await _revenue(scope)
    out = []
    for row in funnel:
        channel = row["channel"]
        cost = costs.get(channel, 0)
        out.append(
            {
                "channel": channel,
                "cost": cost,
                "leads": row["leads"],
                "mql": row["mql"],
                "won": row["won"],
                "cost_per_lead": cost // row["leads"] if row["leads"] else None,
                "cost_per_mql": cost // row["mql"] if row["mql"] else None,
                "cost_per_won": cost // row["won"] if row["won"] else None,
                "revenue": revenue[channel],
                "roi": rate(revenue[channel] - cost, cost),
            }
        )
    return out


async def livecode_effect(scope: Scope) -> list[dict[str, Any]]:
    """Per live code, adds in the window: welcome sent rate, and the share of those friends
    lost (deleted or deleted by) within 7 and within 30 days of the add."""
    rows = await LiveCodeAdd.filter(
        corp_id=scope.corp_id,
        added_at__gte=scope.since,
        added_at__lt=scope.until,
        **owner_filter(scope.people(), "userid"),
    ).values("code_id", "welcome", "added_at", "lost_at")
    names = dict(await LiveCode.filter(corp_id=scope.corp_id).values_list("id", "name"))
    per: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        per[r["code_id"]].append(r)

    def churned(group: list[dict[str, Any]], within: int) -> int:
        limit = timedelta(days=within)
        return sum(1 for r in group if r["lost_at"] and r["lost_at"] - r["added_at"] <= limit)

    return [
        {
            "code_id": code_id,
            "code": names.get(code_id, f"#{code_id}"),
            "adds": len(group),
            "welcome_rate": rate(sum(r["welcome"] == "sent" for r in group), len(group)),
            "churn_7d": rate(churned(group, 7), len(group)),
            "churn_30d": rate(churned(group, 30), len(group)),
        }
        for code_id, group in sorted(per.items())
    ]
