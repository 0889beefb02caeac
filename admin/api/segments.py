"""`/api/v1/segments`: 客户分群 — saved customer filters with a live count and a preview, both
in the caller's data scope (a manager's segment counts only their team's customers)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ConfigDict, Field

from admin.api import customer_query
from admin.api.auth import actor, require, who
from admin.api.common import corp_for, ok, owned, parse, query_int
from admin.api.openapi import API
from scrm.infra import keys
from scrm.infra.schemas import Strict
from scrm.models import Customer, Segment
from scrm.services import segments
from scrm.services.segment_rules import Conditions

TAG = "segments"
PREVIEW = 20


class SegmentIn(Strict):
    model_config = ConfigDict(str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=64)
    conditions: Conditions


def _out(seg: Segment) -> dict[str, Any]:
    return {
        "id": seg.id,
        "name": seg.name,
        "conditions": seg.conditions,
        "created_by": seg.created_by,
        "updated_at": seg.updated_at.isoformat(),
    }


async def measure(
    request: web.Request, corp_id: int, cond: Conditions, limit: int = PREVIEW
) -> dict[str, Any]:
    """The live count and the first customers (newest first), in the caller's scope."""
    tz = request.config_dict[keys.SETTINGS].timezone
    match = await segments.evaluate(corp_id, cond, actor(request).owners(), tz=tz)
    first = sorted(match.external, reverse=True)[:limit]
    rows = await Customer.filter(id__in=first).order_by("-id") if first else []
    return {
        "count": match.count,
        "preview": await customer_query.summaries(corp_id, list(rows)),
    }


@API.route("GET", "/api/v1/segments", "Saved segments (counts at most a minute old)", tag=TAG)
async def list_segments(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    rows = await Segment.filter(corp_id=corp.id).order_by("-id").limit(200)
    tz = request.config_dict[keys.SETTINGS].timezone
    owners = actor(request).owners()
    return ok([{**_out(s), "count": await segments.count_of(s, owners, tz)} for s in rows])


@API.route(
    "POST",
    "/api/v1/segments/preview",
    "Count and preview unsaved conditions",
    tag=TAG,
    body=Conditions,
)
async def preview(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    cond = await parse(request, Conditions)
    return ok(await measure(request, corp.id, cond))


@API.route(
    "POST",
    "/api/v1/segments",
    "Save a segment",
    tag=TAG,
    body=SegmentIn,
    status=201,
)
async def create(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    body = await parse(request, SegmentIn)
    seg = await Segment.create(
        corp_id=corp.id,
        name=body.name,
        conditions=body.conditions.model_dump(mode="json", exclude_none=True),
        created_by=who(request),
    )
    return ok(_out(seg), status=201)


@API.route(
    "GET", "/api/v1/segments/{id}", "A segment, its live count and first customers", tag=TAG
)
async def get_one(request: web.Request) -> web.Response:
    require(request, "manager")
    corp, seg = await owned(request, Segment, "segment")
    limit = query_int(request, "preview", PREVIEW, 0, 100)
    cond = Conditions.model_validate(seg.conditions)
    return ok({**_out(seg), **await measure(request, corp.id, cond, limit)})


@API.route("PUT", "/api/v1/segments/{id}", "Edit a segment", tag=TAG, body=SegmentIn)
async def update(request: web.Request) -> web.Response:
    require(request, "manager")
    _, seg = await owned(request, Segment, "segment")
    body = await parse(request, SegmentIn)
    seg.name = body.name
    seg.conditions = body.conditions.model_dump(mode="json", exclude_none=True)
    await seg.save()
    return ok(_out(seg))


@API.route("DELETE", "/api/v1/segments/{id}", "Delete a segment", tag=TAG)
async def delete(request: web.Request) -> web.Response:
    require(request, "manager")
    _, seg = await owned(request, Segment, "segment")
    await seg.delete()
    return ok({"deleted": seg.id})
