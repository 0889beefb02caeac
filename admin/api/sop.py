"""`/api/v1/sop-plans`: group SOP plans — create, edit, pause, preview, statistics, calendar."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from admin.api import refs
from admin.api.auth import actor, require
from admin.api.common import corp_for, ok, owned, parse, query_int
from admin.api.openapi import API
from scrm.enums import GroupStatus, PlanStatus
from scrm.infra import clock
from scrm.models import Corp, GroupChat, SopPlan, SopRun
from scrm.sop import materialize
from scrm.sop.schemas import PlanSpec

TAG = "group SOP"


def _out(plan: SopPlan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "name": plan.name,
        "status": plan.status,
        "version": plan.version,
        "target": plan.target,
        "steps": plan.steps,
        "starts_at": plan.starts_at,
        "remind_after_minutes": plan.remind_after_minutes,
        "escalate_after_minutes": plan.escalate_after_minutes,
        "expire_after_hours": plan.expire_after_hours,
    }


async def _plan(request: web.Request) -> tuple[Corp, SopPlan]:
    return await owned(request, SopPlan, "plan")


@API.route(
    "POST",
    "/api/v1/sop-plans",
    "Create a group SOP plan (runs planned at once)",
    tag=TAG,
    body=PlanSpec,
    status=201,
)
async def create(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    spec = await parse(request, PlanSpec)
    await refs.materials(corp, [i for st in spec.steps for i in st.material_ids])
    data = spec.model_dump(mode="json")
    plan = await SopPlan.create(corp_id=corp.id, starts_at=datetime.now(UTC), **data)
    planned = await materialize.materialize(plan)
    if not await materialize.targets(plan):
        return ok(
            {
                **_out(plan),
                "planned_runs": 0,
                "warning": "目前没有群符合目标条件，计划不会发送；新群符合条件后会自动加入",
                "warning_code": "no_groups",
            },
            status=201,
        )
    return ok({**_out(plan), "planned_runs": planned}, status=201)


@API.route("GET", "/api/v1/sop-plans", "Plans", tag=TAG)
async def list_plans(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    return ok([_out(p) for p in await SopPlan.filter(corp_id=corp.id).order_by("-id")])


@API.route("GET", "/api/v1/sop-plans/{id}", "One plan, as the builder edits it", tag=TAG)
async def get_plan(request: web.Request) -> web.Response:
    return ok(_out((await _plan(request))[1]))


@API.route(
    "PUT",
    "/api/v1/sop-plans/{id}",
    "Edit: future runs re-planned, past ones kept",
    tag=TAG,
    body=PlanSpec,
)
async def edit(request: web.Request) -> web.Response:
    require(request, "ops")
    corp, plan = await _plan(request)
    spec = await parse(request, PlanSpec)
    await refs.materials(corp, [i for st in spec.steps for i in st.material_ids])
    for key, value in spec.model_dump(mode="json").items():
        setattr(plan, key, value)
    plan.version += 1
    await plan.save()
    return ok({**_out(plan), "planned_runs": await materialize.replan(plan)})


async def _set(request: web.Request, status: PlanStatus) -> web.Response:
    require(request, "ops")
    _, plan = await _plan(request)
    plan.status = status
    await plan.save(update_fields=["status", "updated_at"])
    if status == "active":
        await materialize.materialize(plan)
    return ok(_out(plan))


@API.route(
    "POST", "/api/v1/sop-plans/{id}/pause", "Pause (runs due meanwhile are skipped)", tag=TAG
)
async def pause(request: web.Request) -> web.Response:
    return await _set(request, PlanStatus.PAUSED)


@API.route("POST", "/api/v1/sop-plans/{id}/resume", "Resume", tag=TAG)
async def resume(request: web.Request) -> web.Response:
    return await _set(request, PlanStatus.ACTIVE)


@API.route(
    "GET", "/api/v1/sop-plans/{id}/preview", "Who receives what, when (next N days)", tag=TAG
)
async def preview(request: web.Request) -> web.Response:
    _, plan = await _plan(request)
    days = query_int(request, "days", 30, 1, 90)
    return ok(await materialize.preview(plan, days=days))


@API.route("GET", "/api/v1/sop-plans/{id}/stats", "Runs by step and status", tag=TAG)
async def stats(request: web.Request) -> web.Response:
    _, plan = await _plan(request)
    rows = await SopRun.filter(plan_id=plan.id).values("step_id", "status")
    by_step: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        by_step[row["step_id"]][row["status"]] += 1
    return ok({step: dict(c) for step, c in by_step.items()})


def _zone(corp: Corp) -> ZoneInfo:
    return clock.zone(corp.timezone)


def _window(request: web.Request, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """`?month=YYYY-MM`: that month in the corp's zone; none: a week back to a month ahead."""
    raw = request.query.get("month", "")
    if not raw:
        start = datetime.now(UTC) - timedelta(days=7)
        return start, start + timedelta(days=37)
    # Years 2000–2099: a calendar is about this campaign season, and far years cannot overflow.
    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", raw):
        raise web.HTTPUnprocessableEntity(
            text=json.dumps({"error": "month must be YYYY-MM (2000–2099)"}),
            content_type="application/json",
        )
    first = date.fromisoformat(raw + "-01")
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return _midnight(first, zone), _midnight(after, zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


async def forecast(
    corp: Corp, start: datetime, end: datetime, owners: list[str] | None
) -> list[dict[str, Any]]:
    """Runs the active plans will have in [start, end), computed like the preview: rows are
    only written two days ahead, so a calendar of stored runs alone would stop there."""
    zone = _zone(corp)
    chats = await GroupChat.filter(corp_id=corp.id, status=GroupStatus.ACTIVE)
    if owners is not None:
        chats = [c for c in chats if c.owner_userid in owners]
    out: list[dict[str, Any]] = []
    for plan in await SopPlan.filter(corp_id=corp.id, status="active", kind="group"):
        mine = [c for c in chats if materialize.matches(plan.target, c)]
        begin = max(start, plan.starts_at)
        for step_id, chat, due in materialize.runs_for(plan, mine, begin, end, zone):
            out.append(
                {
                    "due_at": due.astimezone(zone),
                    "target_id": chat.chat_id,
                    "step_id": step_id,
                    "status": "forecast",
                    "owner_userid": chat.owner_userid,
                    "plan_id": plan.id,
                }
            )
    return out


@API.route(
    "GET",
    "/api/v1/sop-calendar",
    "Group calendar: runs per local day (?month=YYYY-MM; owner-scoped), with forecasts",
    tag=TAG,
)
async def calendar(request: web.Request) -> web.Response:
    """Stored runs (their real status) plus the runs still to be written ("forecast"), keyed
    by the day in the corp's zone, times given in that zone."""
    corp = await corp_for(request)
    zone = _zone(corp)
    start, end = _window(request, zone)
    q = SopRun.filter(corp_id=corp.id, due_at__gte=start, due_at__lt=end)
    owners = actor(request).owners()
    if owners is not None:
        q = q.filter(owner_userid__in=owners)
    runs = await q.order_by("due_at").values(
        "due_at", "target_id", "step_id", "status", "owner_userid", "plan_id"
    )
    stored = {(r["plan_id"], r["step_id"], r["target_id"], r["due_at"].timestamp()) for r in runs}
    later = await forecast(corp, max(start, datetime.now(UTC)), end, owners)
    runs += [
        r
        for r in later
        if (r["plan_id"], r["step_id"], r["target_id"], r["due_at"].timestamp()) not in stored
    ]
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for run in sorted(runs, key=lambda r: r["due_at"]):
        local = run["due_at"].astimezone(zone)
        days[local.date().isoformat()].append({**run, "due_at": local.isoformat()})
    return ok(days)
