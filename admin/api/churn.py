"""/api/v1/churn: 流失客户 (customers who deleted a member), a re-engagement task for one, and
the corp's churn-alert settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from pydantic import Field

from admin.api.auth import actor, in_scope, require
from admin.api.common import corp_for, error, ok, parse, path_id, query_int, utc
from admin.api.openapi import API
from scrm.infra.schemas import Strict
from scrm.models import ChurnEvent, Customer, FollowUp, Staff, Task
from scrm.models.livecode import LiveCode
from scrm.services import churn

TAG = "transfers"


class ReengageIn(Strict):
    title: str = Field(default="", max_length=128)
    due_at: datetime | None = None
    # Re-adding through a live code: the task asks the member to send the customer this code
    # by phone or SMS (a customer who deleted the member cannot be messaged in WeCom).
    livecode_id: int | None = Field(default=None, ge=1, lt=2**63)


class ChurnSettingsIn(Strict):
    churn_notify_member: bool = True
    churn_notify_manager: bool = False


async def lost_out(corp_pk: int, events: list[ChurnEvent]) -> list[dict[str, Any]]:
    """Each lost customer with name, member, how long they had been a customer, last follow-up."""
    exts = {e.external_userid for e in events}
    customers = {
        c.external_userid: c
        for c in await Customer.filter(corp_id=corp_pk, external_userid__in=exts)
    }
    names = dict(await Staff.filter(corp_id=corp_pk).values_list("userid", "name"))
    last: dict[str, FollowUp] = {}
    for f in await FollowUp.filter(corp_id=corp_pk, external_userid__in=exts).order_by("at"):
        last[f.external_userid] = f
    out = []
    for e in events:
        note = last.get(e.external_userid)
        out.append(
            {
                "id": e.id,
                "external_userid": e.external_userid,
                "name": churn.display_name(
                    customers.get(e.external_userid), "", e.external_userid
                ),
                "userid": e.userid,
                "member_name": names.get(e.userid) or e.userid,
                "at": e.at,
                "customer_for": churn.how_long(e.customer_since, e.at),
                "notified_at": e.notified_at,
                "last_followup": {"at": note.at, "note": note.note[:200]} if note else None,
                "reengaged_task_id": e.reengaged_task_id,
            }
        )
    return out


@API.route("GET", "/api/v1/churn", "流失客户: who deleted which member, newest first", tag=TAG)
async def lost(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    limit = query_int(request, "limit", 200, 1, 1000)
    return ok(await lost_out(corp.id, await churn.lost(corp, actor(request).owners(), limit)))


@API.route("GET", "/api/v1/churn/{id}", "One lost customer", tag=TAG)
async def one(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    event = await ChurnEvent.get_or_none(id=path_id(request, "lost customer"), corp_id=corp.id)
    if event is None or not in_scope(request, event.userid):
        return error(404, "no such lost customer")
    return ok((await lost_out(corp.id, [event]))[0])


@API.route(
    "POST", "/api/v1/churn/{id}/task", "Re-engage: a task for the member to win them back",
    tag=TAG, body=ReengageIn, status=201, also=(409,),)  # fmt: skip
async def reengage(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    event = await ChurnEvent.get_or_none(id=path_id(request, "lost customer"), corp_id=corp.id)
    if event is None or not in_scope(request, event.userid):
        return error(404, "no such lost customer")
    body = await parse(request, ReengageIn)
    if event.reengaged_task_id:
        return error(409, "已为该流失客户创建过回访任务", task_id=event.reengaged_task_id)
    (item,) = await lost_out(corp.id, [event])
    title = body.title or f"挽回流失客户「{item['name']}」"
    if body.livecode_id is not None:
        code = await LiveCode.get_or_none(id=body.livecode_id, corp_id=corp.id)
        if code is None or not code.qr_url:
            return error(422, "no such live code (or it has no QR link yet)")
        title = f"请把渠道活码「{code.name}」发给「{item['name']}」重新添加：{code.qr_url}"[:128]
    now = datetime.now(UTC)
    due = utc(body.due_at) if body.due_at else now + timedelta(days=1)
    task = await Task.create(
        corp_id=corp.id,
        title=title,
        assignee=event.userid,
        external_userid=event.external_userid,
        due_at=due,
        remind_at=due,
    )
    event.reengaged_task_id = task.id
    await event.save(update_fields=["reengaged_task_id", "updated_at"])
    return ok({"id": event.id, "task_id": task.id}, status=201)


def _settings_out(row: Any) -> dict[str, Any]:
    return {
        "churn_notify_member": row.churn_notify_member,
        "churn_notify_manager": row.churn_notify_manager,
    }


@API.route("GET", "/api/v1/transfer-settings", "Churn-alert settings", tag=TAG)
async def get_settings(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    return ok(_settings_out(await churn.settings_for(corp.id)))


@API.route(
    "PUT", "/api/v1/transfer-settings", "Change churn-alert settings", tag=TAG,
    body=ChurnSettingsIn,
)  # fmt: skip
async def put_settings(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, ChurnSettingsIn)
    row = await churn.settings_for(corp.id)
    await row.update_from_dict(body.model_dump()).save()
    return ok(_settings_out(row))
