"""`/api/v1/staff`: WeCom members (scoped), and the sync from WeCom that runs with progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from tortoise.expressions import Q

from admin.api import admin_settings_tasks as tasks
from admin.api.auth import actor, require
from admin.api.common import corp_for, ok, query_int
from admin.api.openapi import API
from scrm.infra import keys
from scrm.models import Staff
from scrm.services import department_names
from scrm.sync.staff import STAFF_SYNC, run_sync

TAG = "settings"


class StaffOut(BaseModel):
    id: int
    userid: str
    name: str
    department_ids: list[int]
    departments: list[str] = []  # the same departments by name (「部门 7」 before a sync)
    manager_userid: str
    has_contact_permission: bool
    active: bool
    updated_at: datetime


class StaffPage(BaseModel):
    items: list[StaffOut]
    total: int
    limit: int
    offset: int


def staff_out(row: Staff, known: dict[int, str]) -> dict[str, Any]:
    # mode="json": an RFC 3339 date-time, as the document declares (str() would put a space).
    out = StaffOut.model_validate(row, from_attributes=True)
    out.departments = [department_names.label(d, known) for d in out.department_ids]
    return out.model_dump(mode="json")


@API.route(
    "GET",
    "/api/v1/staff",
    "WeCom members (manager+: self and team; ?active=1|0 ?q=)",
    tag=TAG,
    response=StaffPage,
)
async def list_staff(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    q = Staff.filter(corp_id=corp.id)
    owners = actor(request).owners()
    if owners is not None:
        q = q.filter(userid__in=owners)
    active = request.query.get("active", "")
    if active in ("1", "0"):
        q = q.filter(active=active == "1")
    if text := request.query.get("q", "").strip()[:64]:
        q = q.filter(Q(name__icontains=text) | Q(userid__icontains=text))
    limit = query_int(request, "limit", 100, 1, 500)
    offset = query_int(request, "offset", 0, 0, 10**9)
    total = await q.count()
    rows = await q.order_by("-active", "userid").offset(offset).limit(limit)
    known = await department_names.names(corp.id, {d for r in rows for d in r.department_ids})
    return ok(
        {
            "items": [staff_out(r, known) for r in rows],
            "total": total,
            "limit": limit,
            "offset": offset,
        }
    )


@API.route(
    "POST",
    "/api/v1/staff/sync",
    "Sync members from WeCom in the background; poll /api/v1/progress/{id}",
    tag=TAG,
    response=tasks.Started,
    status=202,
)
async def sync(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    client = request.config_dict[keys.CLIENTS].for_corp(corp)
    redis = request.config_dict[keys.ARQ]

    async def work(op_id: str) -> None:
        await run_sync(corp.id, client, redis, op_id)

    op_id, started = await tasks.launch(redis, STAFF_SYNC, corp.id, work)
    return ok({"id": op_id, "started": started}, status=202)
