"""Reports: the funnel by channel/campaign/owner, pipeline and forecast, win/loss, ROI, SLA."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections

from scrm.models import Campaign, Contract, Lead, Opportunity, Payment, Stage
from scrm.services import reports_pg, scoring

GROUPS = ("channel", "campaign", "owner_userid", "platform")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


_FUNNEL_SQL = """
SELECT l.{by} AS grp, COUNT(*) AS leads,
  SUM(CASE WHEN o.lead_id IS NOT NULL OR l.status IN ('mql', 'sql') OR l.score >= {p4}
      THEN 1 ELSE 0 END) AS mql,
  SUM(CASE WHEN o.lead_id IS NOT NULL OR l.status = 'sql' THEN 1 ELSE 0 END) AS sql_,
  SUM(CASE WHEN o.lead_id IS NOT NULL THEN 1 ELSE 0 END) AS opportunities,
  SUM(CASE WHEN o.won = 1 THEN 1 ELSE 0 END) AS won
FROM lead l
LEFT JOIN (
  SELECT op.lead_id, MAX(CASE WHEN st.is_won THEN 1 ELSE 0 END) AS won
  FROM opportunity op JOIN stage st ON st.id = op.stage_id
  WHERE op.corp_id = {p1} AND op.lead_id IS NOT NULL GROUP BY op.lead_id
) o ON o.lead_id = l.id
WHERE l.corp_id = {p1} AND l.merged_into_id IS NULL
  AND l.created_at >= {p2} AND l.created_at < {p3}{owners}
GROUP BY l.{by} ORDER BY l.{by}
"""


async def funnel(
    corp_id: int,
    by: str,
    since: datetime,
    until: datetime,
    *,
    owners: list[str] | None = None,
    channel: str = "",
    pool: bool = False,
    direct: bool = False,
) -> list[dict[str, Any]]:
    """lead → MQL → SQL → opportunity → won, per group, for leads created in [since, until)
    (and owned by one of `owners`, when given: a manager's team; from `channel`, when given).

    On PostgreSQL the whole days come from the funnel_day roll-up (decision 0031) and only
    the partial edge days from lead; `direct` counts everything from lead, as SQLite does
    (the tests and bench/funnel.py compare the two). A lead that became an opportunity passed
    every threshold on its way (status only moves up)."""
    if by not in GROUPS:  # whitelisted: it is spliced into the SQL as a column name
        raise ValueError(f"group by one of {', '.join(GROUPS)}")
    conn = connections.get("default")
    pg = conn.capabilities.dialect == "postgres"
    settings = await scoring.settings_for(corp_id)
    rows = None
    if pg and not direct:
        rows = await reports_pg.funnel_rows(
            conn,
            corp_id,
            by,
            since,
            until,
            settings.mql_threshold,
            owners=owners,
            pool=pool,
            channel=channel,
        )
    if rows is None:
        rows = await _direct(conn, corp_id, by, since, until, settings.mql_threshold, owners,
                             pool, channel)  # fmt: skip
    return [_row(by, row) for row in rows]


async def _direct(
    conn: Any,
    corp_id: int,
    by: str,
    since: datetime,
    until: datetime,
    threshold: int,
    owners: list[str] | None,
    pool: bool,
    channel: str,
) -> list[dict[str, Any]]:
    """One aggregate query over lead and its opportunities."""
    pg = conn.capabilities.dialect == "postgres"
    marks = {f"p{i}": (f"${i}" if pg else "?") for i in range(1, 5)}
    extra: list[Any] = list(owners or [""]) if owners is not None else []
    holes = ", ".join(f"${i}" if pg else "?" for i in range(5, 5 + len(extra)))
    clause = f" AND l.owner_userid IN ({holes})" if owners is not None else ""
    if owners is not None and pool:  # as the lead list shows a manager: the team's and 公海
        clause = f" AND (l.owner_userid IN ({holes}) OR l.in_pool)"
    if channel:
        extra.append(channel)
        clause += f" AND l.channel = {f'${4 + len(extra)}' if pg else '?'}"
    sql = _FUNNEL_SQL.format(by=by, owners=clause, **marks)
    params: list[Any] = [corp_id, since, until, threshold, *extra]
    if not pg:  # "?" is positional: repeat the values in the order they appear
        params = [threshold, corp_id, corp_id, since, until, *extra]
    return await conn.execute_query_dict(sql, params)


def _row(by: str, row: dict[str, Any]) -> dict[str, Any]:
    r = {k: int(row[k] or 0) for k in ("leads", "mql", "opportunities", "won")}
    r["sql"] = int(row["sql_"] or 0)
    return {
        by: row["grp"] or "",
        **r,
        "mql_rate": _rate(r["mql"], r["leads"]),
        "sql_rate": _rate(r["sql"], r["mql"]),
        "opportunity_rate": _rate(r["opportunities"], r["sql"]),
        "win_rate": _rate(r["won"], r["opportunities"]),
        "overall": _rate(r["won"], r["leads"]),
    }


async def pipeline(corp_id: int) -> dict[str, Any]:
    stages = await Stage.filter(corp_id=corp_id).order_by("sequence")
    opps = await Opportunity.filter(corp_id=corp_id).values(
        "stage_id", "amount", "probability", "forecast_category"
    )
    by_stage = [
        {
            "stage": s.name,
            "count": sum(o["stage_id"] == s.id for o in opps),
            "amount": sum(o["amount"] for o in opps if o["stage_id"] == s.id),
            "weighted": sum(
                o["amount"] * o["probability"] // 100 for o in opps if o["stage_id"] == s.id
            ),
        }
        for s in stages
    ]
    forecast: dict[str, int] = defaultdict(int)
    for o in opps:
        forecast[o["forecast_category"]] += o["amount"]
    return {"stages": by_stage, "forecast": dict(forecast)}


async def win_loss(corp_id: int) -> dict[str, Any]:
    opps = await Opportunity.filter(corp_id=corp_id, closed_at__isnull=False).values(
        "stage__is_won", "lost_reason"
    )
    reasons: dict[str, int] = defaultdict(int)
    for o in opps:
        if not o["stage__is_won"]:
            reasons[o["lost_reason"] or "unknown"] += 1
    won = sum(1 for o in opps if o["stage__is_won"])
    return {
        "won": won,
        "lost": len(opps) - won,
        "win_rate": _rate(won, len(opps)),
        "lost_reasons": dict(reasons),
    }


async def channel_roi(corp_id: int) -> list[dict[str, Any]]:
    """Revenue (payments received) per campaign against the campaign's cost."""
    campaigns = await Campaign.filter(corp_id=corp_id)
    out = []
    for c in campaigns:
        lead_ids = await Lead.filter(corp_id=corp_id, campaign=c.name).values_list("id", flat=True)
        opp_ids = await Opportunity.filter(lead_id__in=list(lead_ids)).values_list("id", flat=True)
        contract_ids = await Contract.filter(opportunity_id__in=list(opp_ids)).values_list(
            "id", flat=True
        )
        revenue = sum(p.amount for p in await Payment.filter(contract_id__in=list(contract_ids)))
        out.append(
            {
                "campaign": c.name,
                "channel": c.channel,
                "cost": c.cost,
                "revenue": revenue,
                "leads": len(lead_ids),
                "roi": _rate(revenue - c.cost, c.cost),
            }
        )
    return out


async def sla(corp_id: int, since: datetime, until: datetime) -> dict[str, Any]:
    settings = await scoring.settings_for(corp_id)
    limit = timedelta(minutes=settings.sla_minutes)
    rows = await Lead.filter(
        corp_id=corp_id, assigned_at__gte=since, assigned_at__lt=until
    ).values("assigned_at", "first_response_at")
    met = sum(
        1
        for r in rows
        if r["first_response_at"] and r["first_response_at"] - r["assigned_at"] <= limit
    )
    return {
        "assigned": len(rows),
        "met": met,
        "attainment": _rate(met, len(rows)),
        "sla_minutes": settings.sla_minutes,
    }
