"""Pipeline health: stagnant opportunities, the risk list, win/loss and lost reasons by stage."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from tortoise.functions import Max

from scrm.models import FollowUp, Opportunity, Quote, Stage, StageChange, Task
from scrm.services import reports_sales
from scrm.services.reports_common import Scope, owner_filter, rate
from scrm.services.reports_sales import with_leads

OPEN_FIELDS = (
    "id",
    "name",
    "owner_userid",
    "amount",
    "lead_id",
    "stage_id",
    "created_at",
    "stage_changed_at",
    "next_step",
    "next_step_date",
    "expected_close",
)


async def open_deals(scope: Scope) -> list[dict[str, Any]]:
    """Open opportunities in scope, each with its stage and its last activity: the latest of
    creation, stage change, follow-up on it and task done on it."""
    rows = await Opportunity.filter(
        corp_id=scope.corp_id,
        stage__is_won=False,
        stage__is_lost=False,
        **owner_filter(scope.people()),
    ).values(*OPEN_FIELDS)
    if scope.channel:  # the channel is the lead's
        rows = await with_leads(scope, rows)
    stages = {s.id: s for s in await Stage.filter(corp_id=scope.corp_id)}
    last: dict[int, datetime] = {}
    # The latest per opportunity, aggregated in the database (not an IN list of every id).
    follow = (
        await FollowUp.filter(corp_id=scope.corp_id, opportunity_id__isnull=False)
        .annotate(latest=Max("at"))
        .group_by("opportunity_id")
        .values_list("opportunity_id", "latest")
    )
    tasks = (
        await Task.filter(
            corp_id=scope.corp_id, opportunity_id__isnull=False, done_at__isnull=False
        )
        .annotate(latest=Max("done_at"))
        .group_by("opportunity_id")
        .values_list("opportunity_id", "latest")
    )
    for opp_id, at in [*follow, *tasks]:
        if opp_id is not None and (opp_id not in last or at > last[opp_id]):
            last[opp_id] = at
    for r in rows:
        stage = stages[r["stage_id"]]
        r["stage"], r["stale_days"] = stage.name, stage.stale_days
        seen = [r["created_at"], r["stage_changed_at"], last.get(r["id"])]
        r["last_activity_at"] = max(x for x in seen if x is not None)
    return rows


async def stagnant(scope: Scope, now: datetime) -> list[dict[str, Any]]:
    """Open opportunities idle for at least their stage's `stale_days`, longest idle first."""
    out = []
    for r in await open_deals(scope):
        idle = (now - r["last_activity_at"]).days
        if idle >= r["stale_days"]:
            out.append({**_row(r), "idle_days": idle, "stale_days": r["stale_days"]})
    return sorted(out, key=lambda r: -r["idle_days"])


def _row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "name": r["name"],
        "owner_userid": r["owner_userid"],
        "stage": r["stage"],
        "amount": r["amount"],
        "last_activity_at": r["last_activity_at"],
    }


async def risks(scope: Scope, now: datetime) -> list[dict[str, Any]]:
    """Open opportunities with a risk: next step overdue, close date passed, a quote over the
    self-approval tier not yet approved, or closing within 30 days after 7 idle days."""
    today = now.astimezone(scope.zone()).date()
    rows = await open_deals(scope)
    over = set(  # quotes over the self tier still waiting or refused: few, whatever the size
        await Quote.filter(
            corp_id=scope.corp_id,
            approval_level__in=("manager", "director"),
            status__in=("pending_approval", "rejected"),
        ).values_list("opportunity_id", flat=True)
    )
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
        if soon and now - r["last_activity_at"] >= timedelta(days=7):
            reasons.append("idle_before_close")
        if reasons:
            out.append(
                {
                    **_row(r),
                    "next_step_date": r["next_step_date"],
                    "expected_close": r["expected_close"],
                    "risks": reasons,
                }
            )
    return out


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
