"""Sales efficiency: sales cycle, order value, discount spread and approvals, stage time."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tortoise import connections
from tortoise.functions import Count, Sum

from scrm.models import Lead, Opportunity, Quote, Stage, StageChange
from scrm.services import reports_pg
from scrm.services.reports_common import (
    NOBODY,
    Scope,
    days,
    median,
    owner_filter,
    percentile,
    rate,
)

CHUNK = 10_000


async def won_deals(scope: Scope) -> list[dict[str, Any]]:
    """Opportunities won in the window, in scope, with their lead's creation and channel."""
    rows = await Opportunity.filter(
        corp_id=scope.corp_id,
        stage__is_won=True,
        closed_at__gte=scope.since,
        closed_at__lt=scope.until,
        **owner_filter(scope.people()),
    ).values("id", "name", "owner_userid", "amount", "lead_id", "created_at", "closed_at")
    return await with_leads(scope, rows)


async def with_leads(scope: Scope, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds `lead_created_at` and `channel` from each row's lead; drops rows outside the
    channel filter (a deal without a lead has no channel)."""
    ids = [r["lead_id"] for r in rows if r["lead_id"]]
    leads: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), CHUNK):  # PostgreSQL takes at most 32 767 parameters
        found = await Lead.filter(id__in=ids[start : start + CHUNK]).values(
            "id", "created_at", "channel"
        )
        leads.update((x["id"], x) for x in found)
    out = []
    for r in rows:
        lead = leads.get(r["lead_id"] or 0)
        r["lead_created_at"] = lead["created_at"] if lead else None
        r["channel"] = lead["channel"] if lead else ""
        if scope.channel and r["channel"] != scope.channel:
            continue
        out.append(r)
    return out


async def sales_cycle(scope: Scope) -> list[dict[str, Any]]:
    """Days from lead created to won, and from opportunity created to won: median and p90."""
    if connections.get("default").capabilities.dialect == "postgres":
        # One join returning two numbers per deal: fetching the deals, then their leads by
        # id, took 400 ms for 15 000 won deals at bench size (issue 19).
        spans = await reports_pg.won_spans(scope)
    else:
        won = await won_deals(scope)
        spans = {
            "lead_to_won": [
                days(r["lead_created_at"], r["closed_at"]) for r in won if r["lead_created_at"]
            ],
            "opportunity_to_won": [days(r["created_at"], r["closed_at"]) for r in won],
        }
    return [
        {
            "measure": key,
            "deals": len(values),
            "median_days": median(values),
            "p90_days": percentile(values, 90),
        }
        for key, values in spans.items()
    ]


async def closed_by_owner(scope: Scope) -> dict[str, dict[str, int]]:
    """Per owner, deals closed in the window: `closed`, `won` and `won_amount`. Counted in
    the database (grouped by owner and stage); with a channel filter, through the leads."""
    base = Opportunity.filter(
        corp_id=scope.corp_id,
        closed_at__gte=scope.since,
        closed_at__lt=scope.until,
        **owner_filter(scope.people()),
    )
    won_stages = set(
        await Stage.filter(corp_id=scope.corp_id, is_won=True).values_list("id", flat=True)
    )
    if scope.channel:
        found = await base.values("owner_userid", "stage_id", "amount", "lead_id")
        groups = [
            (r["owner_userid"], r["stage_id"], 1, r["amount"])
            for r in await with_leads(scope, found)
        ]
    else:
        grouped = (
            await base.annotate(n=Count("id"), total=Sum("amount"))
            .group_by("owner_userid", "stage_id")
            .values("owner_userid", "stage_id", "n", "total")
        )
        groups = [(r["owner_userid"], r["stage_id"], r["n"], r["total"] or 0) for r in grouped]
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"closed": 0, "won": 0, "won_amount": 0})
    for owner, stage_id, n, total in groups:
        out[owner]["closed"] += int(n)
        if stage_id in won_stages:
            out[owner]["won"] += int(n)
            out[owner]["won_amount"] += int(total)
    return dict(out)


def with_total(per: dict[str, dict[str, int]]) -> list[tuple[str, dict[str, int]]]:
    """The corp/team total (owner "") first, then each owner in order."""
    total: dict[str, int] = defaultdict(int)
    for figures in per.values():
        for k, v in figures.items():
            total[k] += v
    return [("", {"closed": 0, "won": 0, "won_amount": 0, **total}), *sorted(per.items())]


async def order_value(scope: Scope) -> list[dict[str, Any]]:
    """Won deals per member: count, amount and the average (total first, owner "")."""
    per = {k: v for k, v in (await closed_by_owner(scope)).items() if v["won"]}
    return [
        {
            "owner_userid": owner,
            "won": f["won"],
            "amount": f["won_amount"],
            "average": f["won_amount"] // f["won"] if f["won"] else None,
        }
        for owner, f in with_total(per)
    ]


async def _quotes(scope: Scope) -> list[dict[str, Any]]:
    rows = await Quote.filter(
        corp_id=scope.corp_id,
        created_at__gte=scope.since,
        created_at__lt=scope.until,
        **owner_filter(scope.people(), "opportunity__owner_userid"),
    ).values(
        "id",
        "number",
        "discount_bp",
        "approval_level",
        "status",
        "lines",
        "total",
        "opportunity__owner_userid",
        "opportunity__lead_id",
    )
    for r in rows:
        r["owner_userid"] = r.pop("opportunity__owner_userid")
        r["lead_id"] = r.pop("opportunity__lead_id")
    return await with_leads(scope, rows) if scope.channel else rows


def _spread(name: str, key: str, discounts: list[int], approvals: int) -> dict[str, Any]:
    return {
        "group": name,
        "key": key,
        "quotes": len(discounts),
        "avg_discount_bp": round(sum(discounts) / len(discounts)) if discounts else None,
        "median_discount_bp": median(discounts),
        "max_discount_bp": max(discounts) if discounts else None,
        "needs_approval": approvals,
        "approval_share": rate(approvals, len(discounts)),
    }


async def discounts(scope: Scope) -> list[dict[str, Any]]:
    """Quotes in the window: the effective discount per member, the line discount per
    product, and how many needed a manager or director (over the 10 % self tier)."""
    quotes = await _quotes(scope)
    by_member: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_product: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for q in quotes:
        by_member[q["owner_userid"]].append(q)
        for line in q["lines"]:
            by_product[line["product"]].append(
                (int(line.get("discount_bp", 0)), q["approval_level"] != "self")
            )
    out = [
        _spread(
            "member",
            owner,
            [q["discount_bp"] for q in qs],
            sum(q["approval_level"] != "self" for q in qs),
        )
        for owner, qs in sorted(by_member.items())
    ]
    out += [
        _spread("product", product, [d for d, _ in lines], sum(a for _, a in lines))
        for product, lines in sorted(by_product.items())
    ]
    every = [q["discount_bp"] for q in quotes]
    return [
        _spread("all", "", every, sum(q["approval_level"] != "self" for q in quotes)),
        *out,
    ]


_STAGE_TIME_PG = """
SELECT to_stage AS stage, COUNT(*) AS exits,
  AVG(EXTRACT(EPOCH FROM next_at - at)) / 86400 AS avg_days,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM next_at - at)) / 86400
    AS median_days
FROM (
  SELECT sc.to_stage, sc.at,
    LEAD(sc.at) OVER (PARTITION BY sc.opportunity_id ORDER BY sc.at, sc.id) AS next_at
  FROM stage_change sc{join}
  WHERE sc.corp_id = $1 AND sc.at < $2{owners}
) t
WHERE next_at >= $3 AND next_at < $2
GROUP BY to_stage
"""


async def stage_time(scope: Scope) -> list[dict[str, Any]]:
    """Days spent in each stage, from the stage history of opportunities in scope that left
    the stage within the window: entered at one change, left at the next. On PostgreSQL one
    window-function query; elsewhere (and with a channel filter) the same in Python."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres" and not scope.channel:
        people = scope.people()
        params: list[Any] = [scope.corp_id, scope.until, scope.since]
        owners = join = ""
        if people is not None:  # the opportunity is only joined for its owner
            holes = ", ".join(f"${i}" for i in range(4, 4 + len(people or [NOBODY])))
            join = " JOIN opportunity o ON o.id = sc.opportunity_id"
            owners = f" AND o.owner_userid IN ({holes})"
            params += people or [NOBODY]
        sql = _STAGE_TIME_PG.format(join=join, owners=owners)
        found = await conn.execute_query_dict(sql, params)
        return [
            {
                "stage": r["stage"],
                "exits": int(r["exits"]),
                "avg_days": round(float(r["avg_days"]), 2),
                "median_days": round(float(r["median_days"]), 2),
            }
            for r in found
        ]
    return await _stage_time_python(scope)


async def _stage_time_python(scope: Scope) -> list[dict[str, Any]]:
    changes = StageChange.filter(corp_id=scope.corp_id, at__lt=scope.until)
    if scope.channel:  # the channel is the lead's: only then list the opportunities
        opps = await Opportunity.filter(
            corp_id=scope.corp_id, **owner_filter(scope.people())
        ).values("id", "lead_id")
        ids = [o["id"] for o in await with_leads(scope, opps)]
        changes = changes.filter(opportunity_id__in=ids or [0])
    else:
        changes = changes.filter(**owner_filter(scope.people(), "opportunity__owner_userid"))
    rows = await changes.order_by("opportunity_id", "at", "id").values(
        "opportunity_id", "to_stage", "at"
    )
    spent: dict[str, list[float]] = defaultdict(list)
    for before, after in zip(rows, rows[1:], strict=False):
        if before["opportunity_id"] != after["opportunity_id"] or after["at"] < scope.since:
            continue
        spent[before["to_stage"]].append(days(before["at"], after["at"]))
    return [
        {
            "stage": stage,
            "exits": len(values),
            "avg_days": round(sum(values) / len(values), 2),
            "median_days": median(values),
        }
        for stage, values in spent.items()
    ]
