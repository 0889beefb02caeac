"""Predictive probability, Odoo-style: naive Bayes over the won/lost history of past leads.

For each field (channel, platform, city, campaign, grade) the share of won and of lost leads
having the lead's value, Laplace-smoothed; P(won | values) by Bayes with independent fields.
Shown beside the rule score, never instead of it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scrm.infra.cache import TtlCache
from scrm.models import Lead, Opportunity

FIELDS = ("channel", "platform", "city", "campaign", "grade")
MIN_CLOSED = 10  # fewer closed deals than this: no prediction (it would be noise)
# Ten minutes: history moves slowly, and a corp without enough of it is asked again as often.
_tables: TtlCache[int, dict[str, Any] | None] = TtlCache(600.0)


async def frequency_table(corp_id: int) -> dict[str, Any] | None:
    return await _tables.get_or_load(corp_id, lambda: _build(corp_id))


async def _build(corp_id: int) -> dict[str, Any] | None:
    closed = await Opportunity.filter(
        corp_id=corp_id, closed_at__isnull=False, lead_id__isnull=False
    ).values("lead_id", "stage__is_won")
    outcome = {o["lead_id"]: bool(o["stage__is_won"]) for o in closed}
    if len(outcome) < MIN_CLOSED:
        return None
    leads = await Lead.filter(id__in=list(outcome)).values("id", *FIELDS)
    counts: dict[str, dict[str, list[int]]] = {f: defaultdict(lambda: [0, 0]) for f in FIELDS}
    totals = [0, 0]  # [won, lost]
    for lead in leads:
        side = 0 if outcome[lead["id"]] else 1
        totals[side] += 1
        for f in FIELDS:
            counts[f][str(lead[f] or "")][side] += 1
    return {"totals": totals, "counts": {f: dict(v) for f, v in counts.items()}}


def predict(values: dict[str, Any], table: dict[str, Any] | None) -> float | None:
    if table is None:
        return None
    won, lost = table["totals"]
    if not won or not lost:
        return 1.0 if won else 0.0
    p_won, p_lost = won / (won + lost), lost / (won + lost)
    for f in FIELDS:
        seen = table["counts"][f]
        w, lo = seen.get(str(values.get(f) or ""), [0, 0])
        k = len(seen) + 1  # Laplace: one imaginary lead per value, and one for unseen values
        p_won *= (w + 1) / (won + k)
        p_lost *= (lo + 1) / (lost + k)
    return round(p_won / (p_won + p_lost), 4)


def forget(corp_id: int) -> None:
    _tables.forget(corp_id)
