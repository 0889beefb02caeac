"""`/api/v1/sop-plans`: group SOP plans — create, edit, pause, preview, statistics, calendar."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from admin.api.auth import actor, require
from admin.api.common import corp_for, ok, owned, parse, query_int
from admin.api.openapi import API
from scrm.models import Corp, SopPlan, SopRun
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
    }


async def _plan(request: web.Request) -> tuple[Corp, SopPlan]:
    return await owned(request, SopPlan, "plan")


@API.route(
    "POST",
    "/api/v1/sop-plans",
    "Create a group SOP plan (runs planned at once)",
    tag=TAG,
    body=PlanSpec,
)
async def create(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    spec = await parse(request, PlanSpec)
    data = spec.model_dump(mode="json")
    plan = await SopPlan.create(corp_id=corp.id, starts_at=datetime.now(UTC), **data)
    planned = await materialize.materialize(plan)
    if not await materialize.targets(plan):
        return ok(
            {
                **_out(plan),
                "planned_runs": 0,
                "warning": "no group matches the target yet; new groups join as they come",
            },
            status=201,
        )
    return ok({**_out(plan), "planned_runs": planned}, status=201)


@API.route("GET", "/api/v1/sop-plans", "Plans", tag=TAG)
async def list_plans(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    return ok([_out(p) for p in await SopPlan.filter(corp_id=corp.id).order_by("-id")])


@API.route(
    "PUT",
    "/api/v1/sop-plans/{id}",
    "Edit: future runs re-planned, past ones kept",
    tag=TAG,
    body=PlanSpec,
)
async def edit(request: web.Request) -> web.Response:
    require(request, "ops")
    _, plan = await _plan(request)
    spec = await parse(request, PlanSpec)
    for key, value in spec.model_dump(mode="json").items():
        setattr(plan, key, value)
    plan.version += 1
    await plan.save()
    return ok({**_out(plan), "planned_runs": await materialize.replan(plan)})


async def _set(request: web.Request, status: str) -> web.Response:
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
    return await _set(request, "paused")


@API.route("POST", "/api/v1/sop-plans/{id}/resume", "Resume", tag=TAG)
async def resume(request: web.Request) -> web.Response:
    return await _set(request, "active")


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


@API.route("GET", "/api/v1/sop-calendar", "Group calendar: runs per day (owner-scoped)", tag=TAG)
async def calendar(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    start = datetime.now(UTC) - timedelta(days=7)
    q = SopRun.filter(corp_id=corp.id, due_at__gte=start, due_at__lt=start + timedelta(days=37))
    owners = actor(request).owners()
    if owners is not None:
        q = q.filter(owner_userid__in=owners)
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for run in await q.order_by("due_at").values(
        "due_at", "target_id", "step_id", "status", "owner_userid", "plan_id"
    ):
        days[run["due_at"].date().isoformat()].append({**run, "due_at": run["due_at"].isoformat()})
    return ok(days)
