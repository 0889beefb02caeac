"""Tasks with reminders, follow-ups on opportunities and customers, the customer 360 timeline,
and people's API tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from admin.api import refs
from admin.api.actor import ROLES
from admin.api.auth import actor, hash_token, in_scope, new_token, require
from admin.api.common import corp_for, error, ok, parse, path_id, utc
from admin.api.openapi import API
from scrm.infra.schemas import Strict
from scrm.models import ApiToken, Corp, FollowUp, Task
from scrm.services import deals, timeline

TAG = "work"


class TaskIn(Strict):
    title: str = Field(min_length=1, max_length=128)
    assignee: str = Field(min_length=1)
    lead_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    opportunity_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    external_userid: str = Field(default="", max_length=64)
    due_at: datetime | None = None
    remind_at: datetime | None = None


class FollowUpIn(Strict):
    userid: str = Field(min_length=1)
    note: str = Field(min_length=1, max_length=4000)
    opportunity_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    external_userid: str = Field(default="", max_length=64)


class TokenIn(Strict):
    name: str = Field(min_length=1, max_length=64)
    role: Literal["staff", "manager", "ops", "admin"]
    userid: str = ""
    team: list[str] = []


def _task(t: Task) -> dict[str, Any]:
    return {
        "id": t.id,
        "title": t.title,
        "assignee": t.assignee,
        "due_at": t.due_at,
        "remind_at": t.remind_at,
        "done_at": t.done_at,
        "lead_id": t.lead_id,
        "opportunity_id": t.opportunity_id,
        "external_userid": t.external_userid,
    }


async def _references(
    request: web.Request,
    corp: Corp,
    lead_id: int | None,
    opportunity_id: int | None,
    external_userid: str,
) -> None:
    """Every record named must exist and be the caller's to work on (404 otherwise)."""
    if lead_id is not None:
        await refs.lead(request, corp, lead_id)
    if opportunity_id is not None:
        await refs.opportunity(request, corp, opportunity_id)
    if external_userid:
        await refs.customer(request, corp, external_userid)


@API.route(
    "POST",
    "/api/v1/tasks",
    "Create a task (optionally with a reminder)",
    tag=TAG,
    body=TaskIn,
    status=201,
)
async def create_task(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    body = await parse(request, TaskIn)
    if not in_scope(request, body.assignee):
        return error(403, "you may assign tasks to yourself or your team only")
    await refs.member(corp, body.assignee)
    await _references(request, corp, body.lead_id, body.opportunity_id, body.external_userid)
    data = body.model_dump()
    for name in ("due_at", "remind_at"):  # stored instants are UTC (decision 0009)
        if data[name] is not None:
            data[name] = utc(data[name])
    task = await Task.create(corp_id=corp.id, **data)
    return ok(_task(task), status=201)


@API.route("GET", "/api/v1/tasks", "Open tasks (yours, your team's, or all for admins)", tag=TAG)
async def list_tasks(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    q = Task.filter(corp_id=corp.id, done_at__isnull=True)
    owners = actor(request).owners()
    if owners is not None:
        q = q.filter(assignee__in=owners)
    return ok([_task(t) for t in await q.order_by("due_at", "id")])


@API.route("POST", "/api/v1/tasks/{id}/done", "Complete a task", tag=TAG)
async def done(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    task = await Task.get_or_none(id=path_id(request, "task"), corp_id=corp.id)
    if task is None or not in_scope(request, task.assignee):
        return error(404, "no such task")
    task.done_at = task.done_at or datetime.now(UTC)
    await task.save(update_fields=["done_at", "updated_at"])
    await deals.touch(task.opportunity_id, task.done_at)
    return ok(_task(task))


@API.route(
    "POST",
    "/api/v1/followups",
    "A follow-up on an opportunity or a customer",
    tag=TAG,
    body=FollowUpIn,
    status=201,
)
async def followup(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    body = await parse(request, FollowUpIn)
    if not (body.opportunity_id or body.external_userid):
        return error(422, "name an opportunity_id or an external_userid")
    if not in_scope(request, body.userid):
        return error(403, "you may record your own (or your team's) follow-ups only")
    await refs.member(corp, body.userid)
    await _references(request, corp, None, body.opportunity_id, body.external_userid)
    row = await FollowUp.create(corp_id=corp.id, at=datetime.now(UTC), **body.model_dump())
    await deals.touch(body.opportunity_id, row.at)
    return ok({"id": row.id}, status=201)


@API.route(
    "GET",
    "/api/v1/customers/{external_userid}/timeline",
    "Customer 360: channel touches, WeCom events, follow-ups, deals, tasks",
    tag=TAG,
)
async def customer_timeline(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    ext = request.match_info["external_userid"]
    owners = actor(request).owners()
    if owners is not None and not await timeline.served_by(corp.id, ext, owners):
        return error(404, "no such customer")
    return ok(await timeline.for_customer(corp.id, ext))


@API.route(
    "POST",
    "/api/v1/api-tokens",
    "Issue a person's API token (shown once)",
    tag=TAG,
    body=TokenIn,
    status=201,
)
async def issue_token(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, TokenIn)
    if body.role != "admin" and not body.userid:
        return error(422, f"a {body.role} token needs the person's userid")
    token = new_token()
    await ApiToken.create(corp_id=corp.id, token_hash=hash_token(token), **body.model_dump())
    return ok({"token": token, "role": body.role, "roles": list(ROLES)}, status=201)
