"""Activity output per member and week: follow-ups, calls, tasks done, first-response time."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from tortoise import connections

from scrm.models import FollowUp, Lead, LeadActivity, Task
from scrm.services import reports_pg
from scrm.services.reports_common import Scope, median, owner_filter

CALL_KINDS = ("call", "phone_call")  # behaviours a member logs for a phone call


def week_of(at: datetime, scope: Scope) -> str:
    """The ISO week of an instant in the corp's time zone, as 2026-W49."""
    year, week, _ = at.astimezone(scope.zone()).isocalendar()
    return f"{year}-W{week:02d}"


async def activity(scope: Scope) -> list[dict[str, Any]]:
    """Per member and week in the window: follow-ups (on leads, deals and customers), calls
    logged on leads, tasks done, and the median minutes from assignment to first response
    for leads assigned that week."""
    window = {"corp_id": scope.corp_id}
    people = scope.people()
    cells: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"followups": 0, "calls": 0, "tasks_done": 0, "responses": []}
    )
    lead_rows = await LeadActivity.filter(
        **window,
        kind__in=("followup", *CALL_KINDS),
        at__gte=scope.since,
        at__lt=scope.until,
    ).values("kind", "actor", "at", "lead__owner_userid")
    for r in lead_rows:
        who = r["actor"] or r["lead__owner_userid"]  # a call logged by API names no actor
        if not who or not scope.sees(who):
            continue
        key = "followups" if r["kind"] == "followup" else "calls"
        cells[(who, week_of(r["at"], scope))][key] += 1
    if connections.get("default").capabilities.dialect == "postgres":
        # Counted per week in SQL: tens of thousands of rows converted one by one to the
        # corp's zone in Python took most of the report's 300 ms at bench size (issue 19).
        for table, key in (("follow_up", "followups"), ("task", "tasks_done")):
            for who, week, n in await reports_pg.week_counts(table, scope):
                cells[(who, week)][key] += n
    else:
        for who, at in await FollowUp.filter(
            **window, at__gte=scope.since, at__lt=scope.until, **owner_filter(people, "userid")
        ).values_list("userid", "at"):
            cells[(who, week_of(at, scope))]["followups"] += 1
        for who, at in await Task.filter(
            **window,
            done_at__gte=scope.since,
            done_at__lt=scope.until,
            **owner_filter(people, "assignee"),
        ).values_list("assignee", "done_at"):
            cells[(who, week_of(at, scope))]["tasks_done"] += 1
    for who, assigned, first in await Lead.filter(
        **window,
        assigned_at__gte=scope.since,
        assigned_at__lt=scope.until,
        first_response_at__isnull=False,
        **owner_filter(people),
    ).values_list("owner_userid", "assigned_at", "first_response_at"):
        minutes = round((first - assigned).total_seconds() / 60, 1)
        cells[(who, week_of(assigned, scope))]["responses"].append(minutes)
    return [
        {
            "owner_userid": who,
            "week": week,
            "followups": c["followups"],
            "calls": c["calls"],
            "tasks_done": c["tasks_done"],
            "first_response_median_min": median(c["responses"]),
        }
        for (who, week), c in sorted(cells.items())
    ]
