"""Forecast: commit submissions per member and month, the roll-up, accuracy and coverage."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from scrm.enums import ForecastCategory
from scrm.infra import clock
from scrm.models import ForecastSubmission, Opportunity, SalesTarget, Stage
from scrm.models.base import corp_pk
from scrm.services import deals
from scrm.services.reports_common import Scope, owner_filter, rate

MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
OPEN = ("pipeline", "best_case", "commit")


def month_range(month: str, tz: str) -> tuple[datetime, datetime, date, date]:
    """[start, end) of a YYYY-MM month in the corp's zone, as UTC instants and local dates."""
    found = MONTH.match(month)
    if not found:
        raise ValueError("month must be YYYY-MM")
    year, mon = int(found[1]), int(found[2])
    first = date(year, mon, 1)
    after = date(year + mon // 12, mon % 12 + 1, 1)
    zone = clock.zone(tz)

    def instant(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(UTC)

    return instant(first), instant(after), first, after


async def submit(
    corp_id: int, userid: str, month: str, amount: int, *, by: str, note: str = ""
) -> ForecastSubmission:
    """A member's commit figure for a month; submitting again replaces the figure."""
    month_range(month, "UTC")
    row, created = await ForecastSubmission.get_or_create(
        corp_id=corp_id,
        userid=userid,
        month=month,
        defaults={
            "amount": amount,
            "note": note,
            "submitted_by": by,
            "submitted_at": datetime.now(UTC),
        },
    )
    if not created:
        row.amount, row.note, row.submitted_by = amount, note, by
        row.submitted_at = datetime.now(UTC)
        await row.save()
    return row


async def set_target(
    corp_id: int, userid: str, month: str, amount: int, *, by: str
) -> SalesTarget:
    month_range(month, "UTC")
    row, created = await SalesTarget.get_or_create(
        corp_id=corp_id, userid=userid, month=month, defaults={"amount": amount, "set_by": by}
    )
    if not created:
        row.amount, row.set_by = amount, by
        await row.save()
    return row


def _figures(target: int | None, submitted: int | None, amounts: dict[str, int]) -> dict[str, Any]:
    closed = amounts.get("closed", 0)
    open_total = sum(amounts.get(c, 0) for c in OPEN)
    error = rate(abs(submitted - closed), closed) if submitted is not None else None
    return {
        "target": target,
        "submitted": submitted,
        "closed": closed,
        "commit": amounts.get("commit", 0),
        "best_case": amounts.get("best_case", 0),
        "pipeline": amounts.get("pipeline", 0),
        "forecast_error": error,
        "accuracy": None if error is None else round(max(0.0, 1 - error), 4),
        "coverage": rate(open_total, target) if target else None,
        "attainment": rate(closed, target) if target else None,
    }


async def rollup(scope: Scope, month: str) -> list[dict[str, Any]]:
    """Per member, then the team total first (owner ""): target, submitted commit, won in
    the month, open amounts by category expected to close in the month, and the ratios."""
    start, end, first, after = month_range(month, scope.tz)
    people = owner_filter(scope.people(), "userid")
    targets = dict(
        await SalesTarget.filter(corp_id=scope.corp_id, month=month, **people).values_list(
            "userid", "amount"
        )
    )
    submitted = dict(
        await ForecastSubmission.filter(corp_id=scope.corp_id, month=month, **people).values_list(
            "userid", "amount"
        )
    )
    amounts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    won = await Opportunity.filter(
        corp_id=scope.corp_id,
        stage__is_won=True,
        closed_at__gte=start,
        closed_at__lt=end,
        **owner_filter(scope.people()),
    ).values_list("owner_userid", "amount")
    for owner, amount in won:
        amounts[owner]["closed"] += amount
    pipe = await Opportunity.filter(
        corp_id=scope.corp_id,
        forecast_category__in=OPEN,
        expected_close__gte=first,
        expected_close__lt=after,
        **owner_filter(scope.people()),
    ).values_list("owner_userid", "forecast_category", "amount")
    for owner, category, amount in pipe:
        amounts[owner][category] += amount
    members = sorted(set(targets) | set(submitted) | set(amounts))
    total: dict[str, int] = defaultdict(int)
    for per in amounts.values():
        for k, v in per.items():
            total[k] += v
    rows = [
        {
            "owner_userid": "",
            "month": month,
            **_figures(
                sum(targets.values()) if targets else None,
                sum(submitted.values()) if submitted else None,
                total,
            ),
        }
    ]
    rows += [
        {
            "owner_userid": m,
            "month": month,
            **_figures(targets.get(m), submitted.get(m), amounts.get(m, {})),
        }
        for m in members
    ]
    return rows


async def configure_stage(stage: Stage, *, category: str | None, stale_days: int | None) -> Stage:
    """Set a stage's forecast category and stagnation threshold; the opportunities now in
    the stage move to the new category at once (closed ones keep theirs)."""
    if category is not None:
        if category not in deals.FORECAST_CATEGORIES:
            raise ValueError(f"category must be one of {', '.join(deals.FORECAST_CATEGORIES)}")
        stage.forecast_category = ForecastCategory(category)
    if stale_days is not None:
        stage.stale_days = stale_days
    await stage.save()
    if category is not None:
        await Opportunity.filter(
            corp_id=corp_pk(stage), stage_id=stage.id, closed_at__isnull=True
        ).update(forecast_category=deals.category_for(stage))
    return stage
