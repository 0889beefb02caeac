"""`/api/v1/journeys`: customer journeys (客户SOP) — create, list, pause/resume, statistics."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from admin.api import refs
from admin.api.auth import require
from admin.api.common import corp_for, error, ok, owned, parse, query_int
from admin.api.openapi import API
from scrm.enums import PlanStatus
from scrm.models import Corp, Journey, JourneyLog, JourneyRun
from scrm.models.base import corp_pk
from scrm.services import display_names
from scrm.sop import journey_segments
from scrm.sop.journey_nodes import upcoming
from scrm.sop.journey_schema import JourneySpec

TAG = "customer journeys"


def _out(j: Journey) -> dict[str, Any]:
    return {
        "id": j.id,
        "name": j.name,
        "status": j.status,
        "trigger": j.trigger,
        "nodes": j.nodes,
        "per_day_cap": j.per_day_cap,
        "per_week_cap": j.per_week_cap,
        "quiet_hours": [j.quiet_start, j.quiet_end],
        "quiet_start": j.quiet_start,
        "quiet_end": j.quiet_end,
        "exit_tags": j.exit_tags,
        "send_window_minutes": j.send_window_minutes,
    }


async def _journey(request: web.Request) -> Journey:
    return (await owned(request, Journey, "journey"))[1]


@API.route(
    "POST",
    "/api/v1/journeys",
    "Create a customer journey",
    tag=TAG,
    body=JourneySpec,
    status=201,
)
async def create(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    spec = await parse(request, JourneySpec)
    if not await journey_segments.segment_exists(corp.id, spec.trigger.segment_id):
        return error(422, "客户分群不存在")
    await refs.materials(corp, [i for n in spec.nodes for i in n.material_ids])
    j = await Journey.create(corp_id=corp.id, **spec.model_dump(mode="json"))
    return ok(_out(j), status=201)


@API.route("GET", "/api/v1/journeys", "Journeys", tag=TAG)
async def list_journeys(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    return ok([_out(j) for j in await Journey.filter(corp_id=corp.id).order_by("-id")])


@API.route("GET", "/api/v1/journeys/{id}", "One journey, as the editor edits it", tag=TAG)
async def get_journey(request: web.Request) -> web.Response:
    return ok(_out(await _journey(request)))


async def _set(request: web.Request, status: PlanStatus) -> web.Response:
    require(request, "ops")
    j = await _journey(request)
    j.status = status
    await j.save(update_fields=["status", "updated_at"])
    return ok(_out(j))


@API.route(
    "PUT", "/api/v1/journeys/{id}", "Edit a journey (customers keep their place)", tag=TAG,
    body=JourneySpec,
)  # fmt: skip
async def edit(request: web.Request) -> web.Response:
    """Customers keep their node and due time and follow the new graph from there; what they
    already received stays. Customers at a node the edit removed exit at their next step."""
    require(request, "ops")
    j = await _journey(request)
    spec = await parse(request, JourneySpec)
    if not await journey_segments.segment_exists(j.corp_id, spec.trigger.segment_id):  # type: ignore[attr-defined]
        return error(422, "客户分群不存在")
    await refs.materials(
        await Corp.get(id=corp_pk(j)), [i for n in spec.nodes for i in n.material_ids]
    )
    for key, value in spec.model_dump(mode="json").items():
        setattr(j, key, value)
    await j.save()
    ids = [n.id for n in spec.nodes]
    orphans = (
        await JourneyRun.filter(journey_id=j.id, status__in=("active", "running"))
        .exclude(node_id__in=ids)
        .count()
    )
    return ok({**_out(j), "customers_at_removed_nodes": orphans})


@API.route("POST", "/api/v1/journeys/{id}/pause", "Pause (customers wait where they are)", tag=TAG)
async def pause(request: web.Request) -> web.Response:
    return await _set(request, PlanStatus.PAUSED)


@API.route("POST", "/api/v1/journeys/{id}/resume", "Resume: customers go on", tag=TAG)
async def resume(request: web.Request) -> web.Response:
    return await _set(request, PlanStatus.ACTIVE)


@API.route("GET", "/api/v1/journeys/{id}/stats", "Customers by status, actions by node", tag=TAG)
async def stats(request: web.Request) -> web.Response:
    j = await _journey(request)
    runs = Counter(await JourneyRun.filter(journey_id=j.id).values_list("status", flat=True))
    log = await JourneyLog.filter(run__journey_id=j.id).values("node_id", "action")
    actions: dict[str, Counter[str]] = {}
    for row in log:
        actions.setdefault(row["node_id"], Counter())[row["action"]] += 1
    return ok({"runs": dict(runs), "nodes": {k: dict(v) for k, v in actions.items()}})


@API.route(
    "GET",
    "/api/v1/journeys/{id}/preview",
    "Who receives what, when (customers on it now, next N days)",
    tag=TAG,
)
async def preview(request: web.Request) -> web.Response:
    j = await _journey(request)
    days = query_int(request, "days", 30, 1, 90)
    horizon = datetime.now(UTC) + timedelta(days=days)
    nodes = {n["id"]: n for n in j.nodes}
    runs = await JourneyRun.filter(journey_id=j.id, status="active").order_by("due_at").limit(200)
    people = await display_names.customers(corp_pk(j), [r.external_userid for r in runs])
    return ok(
        [
            {
                "external_userid": r.external_userid,
                "name": people[r.external_userid].name,
                "avatar": people[r.external_userid].avatar,
                "owner_userid": r.owner_userid,
                "upcoming": upcoming(nodes, r.node_id, r.due_at, horizon),
            }
            for r in runs
        ]
    )
