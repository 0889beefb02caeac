"""Pipeline health: stagnant opportunities, the risk list, win/loss and lost reasons by stage."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, cast

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from scrm.models import Lead, Opportunity, Quote, Stage, StageChange
from scrm.services import reports_sales
from scrm.services.reports_common import Scope, owner_filter, rate
from scrm.services.reports_sales import with_leads

OPEN_FIELDS = (
    "id",
    "name",
    "owner_userid",
    "amount",
    "stage_id",
    "next_step_date",
    "expected_close",
    "last_activity_at",
)
IDLE_BEFORE_CLOSE = timedelta(days=7)


async def _open(scope: Scope) -> tuple[QuerySet[Opportunity], dict[int, Stage]]:
    """Open opportunities in scope (a channel is the lead's), and the corp's open stages."""
    stages = {
        s.id: s for s in await Stage.filter(corp_id=scope.corp_id, is_won=False, is_lost=False)
    }
    q = Opportunity.filter(
        corp_id=scope.corp_id, stage_id__in=list(stages) or [0], **owner_filter(scope.people())
    )
    if scope.channel:
        leads = Lead.filter(corp_id=scope.corp_id, channel=scope.channel).values("id")
        q = q.filter(lead_id__in=Subquery(leads))
    return q, stages


def _idle(stages: dict[int, Stage], now: datetime) -> Q:
    """Idle for at least the stage's `stale_days`, whichever open stage the deal is in."""
    return Q(
        *[
            Q(stage_id=sid, last_activity_at__lte=now - timedelta(days=s.stale_days))
            for sid, s in stages.items()
        ],
        join_type="OR",
    )


def _limit(q: QuerySet[Opportunity], limit: int | None) -> QuerySet[Opportunity]:
    return q.limit(limit) if limit else q


async def stagnant(scope: Scope, now: datetime, limit: int | None = None) -> list[dict[str, Any]]:
    """Open opportunities idle (no creation, stage change, follow-up or task done on them)
    for at least their stage's `stale_days`, longest idle first; `limit` keeps the first."""
    q, stages = await _open(scope)
    if not stages:
        return []
    found = _limit(q.filter(_idle(stages, now)).order_by("last_activity_at", "id"), limit)
    out = []
    for r in await found.values(*OPEN_FIELDS):
        stage = stages[r["stage_id"]]
        idle = (now - r["last_activity_at"]).days
        out.append({**_row(r, stage), "idle_days": idle, "stale_days": stage.stale_days})
    return out


async def count_stagnant(scope: Scope, now: datetime) -> int:
    q, stages = await _open(scope)
    return await q.filter(_idle(stages, now)).count() if stages else 0


def _row(r: dict[str, Any], stage: Stage) -> dict[str, Any]:
    return {
        "id": r["id"],
        "name": r["name"],
        "owner_userid": r["owner_userid"],
        "stage": stage.name,
        "amount": r["amount"],
        "last_activity_at": r["last_activity_at"],
    }


def _over_tier(corp_id: int) -> QuerySet[Quote]:
    """Quotes over the self-approval tier still waiting or refused."""
    return Quote.filter(
        corp_id=corp_id,
        approval_level__in=("manager", "director"),
        status__in=("pending_approval", "rejected"),
    )


def _risky(scope: Scope, now: datetime) -> Q:
    today = now.astimezone(scope.zone()).date()
    return Q(
        Q(next_step_date__lt=today),
        Q(expected_close__lt=today),
        Q(id__in=Subquery(_over_tier(scope.corp_id).values("opportunity_id"))),
        Q(
            expected_close__gte=today,
            expected_close__lte=today + timedelta(30),
            last_activity_at__lte=now - IDLE_BEFORE_CLOSE,
        ),
        join_type="OR",
    )


async def risks(scope: Scope, now: datetime, limit: int | None = None) -> list[dict[str, Any]]:
    """Open opportunities with a risk: next step overdue, close date passed, a quote over the
    self-approval tier not yet approved, or closing within 30 days after 7 idle days. The
    filter runs in SQL; the reasons are named for the rows returned."""
    today = now.astimezone(scope.zone()).date()
    q, stages = await _open(scope)
    if not stages:
        return []
    rows = await _limit(q.filter(_risky(scope, now)).order_by("id"), limit).values(*OPEN_FIELDS)
    over: set[int] = set()
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), reports_sales.CHUNK):
        found = await (
            _over_tier(scope.corp_id)
            .filter(opportunity_id__in=ids[start : start + reports_sales.CHUNK])
            .values_list("opportunity_id", flat=True)
        )
        over.update(cast(list[int], found))
    out = []
    for r in rows:
        reasons = []
        if r["next_step_date"] and r["next_step_date"] < today:
            reasons.append("next_step_overdue")
        if r["expected_close"] and r["expected_close"] < today:
            reasons.append("close_date_passed")
        if r["id"] in over:
            reasons.append("discount_over_tier")
        soon = r["expected_close"] and today <= r["expected_close"] <= today + timedelta(30)
        if soon and now - r["last_activity_at"] >= IDLE_BEFORE_CLOSE:
            reasons.append("idle_before_close")
        out.append(
            {
                **_row(r, stages[r["stage_id"]]),
                "next_step_date": r["next_step_date"],
                "expected_close": r["expected_close"],
                "risks": reasons,
            }
        )
    return out


async def count_risks(scope: Scope, now: datetime) -> int:
    q, stages = await _open(scope)
    return await q.filter(_risky(scope, now)).count() if stages else 0


async def _closed(scope: Scope) -> list[dict[str, Any]]:
    rows = await Opportunity.filter(
        corp_id=scope.corp_id,
        closed_at__gte=scope.since,
        closed_at__lt=scope.until,
        **owner_filter(scope.people()),
    ).values("id", "owner_userid", "lead_id", "lost_reason", "stage__is_won", "amount")
    return await with_leads(scope, rows) if scope.channel else rows


async def win_loss(scope: Scope) -> list[dict[str, Any]]:
    """Per member (total first): won, lost, win rate and won amount, for deals closed in
    the window."""
    return [
        {
            "owner_userid": owner,
            "won": f["won"],
            "lost": f["closed"] - f["won"],
            "win_rate": rate(f["won"], f["closed"]),
            "won_amount": f["won_amount"],
        }
        for owner, f in reports_sales.with_total(await reports_sales.closed_by_owner(scope))
    ]


async def lost_reasons(scope: Scope) -> list[dict[str, Any]]:
    """Deals lost in the window by the stage they were lost from and the reason given."""
    lost = [r for r in await _closed(scope) if not r["stage__is_won"]]
    lost_names = await Stage.filter(corp_id=scope.corp_id, is_lost=True).values_list(
        "name", flat=True
    )
    moves = await StageChange.filter(
        corp_id=scope.corp_id,
        to_stage__in=list(lost_names) or [""],
        opportunity__closed_at__gte=scope.since,
        opportunity__closed_at__lt=scope.until,
    ).values_list("opportunity_id", "from_stage")
    stage_of = dict(moves)
    counts = Counter((stage_of.get(r["id"], ""), r["lost_reason"] or "other") for r in lost)
    return [
        {"stage": stage, "reason": reason, "lost": n}
        for (stage, reason), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
