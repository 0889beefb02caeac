"""`/api/v1/livecodes`: create, edit, list, pause, delete live codes and read their statistics."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from admin.api import refs
from admin.api.auth import require
from admin.api.common import corp_for, error, ok, owned, parse, query_int
from admin.api.openapi import API
from livecode import service
from livecode.schemas import LiveCodeOut, LiveCodeSpec, MemberSpec
from livecode.stats import CodeStats, code_stats
from scrm.infra import keys
from scrm.models import Corp
from scrm.models.livecode import LiveCode, LiveCodeMember

TAG = "live codes"


async def _out(code: LiveCode) -> dict[str, object]:
    members = await service.members_of(code)
    return LiveCodeOut(
        id=code.id,
        name=code.name,
        state=code.state,
        channel=code.channel,
        campaign=code.campaign,
        strategy=code.strategy,
        status=code.status,
        qr_url=code.qr_url,
        config_id=code.config_id,
        last_error=code.last_error,
        welcome_material_ids=list(code.welcome_material_ids or []),
        members=[
            MemberSpec(
                userid=m.userid,
                weight=m.weight,
                daily_quota=m.daily_quota,
                total_cap=m.total_cap,
                online=m.online,
                backup=m.backup,
                welcome_text=m.welcome_text,
            )
            for m in members
        ],
    ).model_dump(mode="json")


async def _code(request: web.Request) -> tuple[Corp, LiveCode]:
    # Codes are the ops lead's campaigns: their pages need "ops", and so does the API.
    require(request, "ops")
    return await owned(request, LiveCode, "live code")


def _landing_base(request: web.Request) -> str:
    return request.config_dict[keys.SETTINGS].public_url or str(request.url.origin())


@API.route(
    "POST",
    "/api/v1/livecodes",
    "Create a live code and its WeCom contact way(s)",
    tag=TAG,
    body=LiveCodeSpec,
    response=LiveCodeOut,
    status=201,
    also=(409,),
)
async def create(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    spec = await parse(request, LiveCodeSpec)
    await refs.materials(corp, spec.welcome_material_ids)
    if spec.state and await LiveCode.exists(corp_id=corp.id, state=spec.state):
        return error(409, f"state {spec.state!r} is used by another live code")
    client = request.config_dict[keys.CLIENTS].for_corp(corp)
    try:
        code = await service.create_live_code(
            corp, client, spec, landing_base=_landing_base(request)
        )
    except service.LiveCodeError as exc:
        return error(422, str(exc), errcode=exc.errcode)
    return ok(await _out(code), status=201)


@API.route("GET", "/api/v1/livecodes", "List live codes", tag=TAG, response=LiveCodeOut, many=True)
async def list_codes(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    codes = await LiveCode.filter(corp_id=corp.id, active=True).order_by("-id")
    return ok([await _out(c) for c in codes])


@API.route("GET", "/api/v1/livecodes/{id}", "One live code", tag=TAG, response=LiveCodeOut)
async def get_code(request: web.Request) -> web.Response:
    _, code = await _code(request)
    return ok(await _out(code))


@API.route(
    "PUT",
    "/api/v1/livecodes/{id}",
    "Edit a live code (WeCom kept in step)",
    tag=TAG,
    body=LiveCodeSpec,
    response=LiveCodeOut,
)
async def update(request: web.Request) -> web.Response:
    require(request, "ops")
    corp, code = await _code(request)
    spec = await parse(request, LiveCodeSpec)
    await refs.materials(corp, spec.welcome_material_ids)
    if spec.state and spec.state != code.state:
        return error(422, "state cannot change: customers' QR codes carry it")
    try:
        await service.update_live_code(
            code, request.config_dict[keys.CLIENTS].for_corp(corp), spec, corp
        )
    except service.LiveCodeError as exc:
        return error(422, str(exc), errcode=exc.errcode)
    return ok(await _out(code))


async def _pause(request: web.Request, paused: bool) -> web.Response:
    corp, code = await _code(request)
    await service.set_paused(code, request.config_dict[keys.CLIENTS].for_corp(corp), corp, paused)
    return ok(await _out(code))


@API.route(
    "POST",
    "/api/v1/livecodes/{id}/pause",
    "Pause: no new customers are allocated",
    tag=TAG,
    response=LiveCodeOut,
)
async def pause(request: web.Request) -> web.Response:
    require(request, "ops")
    return await _pause(request, True)


@API.route(
    "POST", "/api/v1/livecodes/{id}/resume", "Resume a paused code", tag=TAG, response=LiveCodeOut
)
async def resume(request: web.Request) -> web.Response:
    require(request, "ops")
    return await _pause(request, False)


@API.route("DELETE", "/api/v1/livecodes/{id}", "Delete a code and its WeCom contact ways", tag=TAG)
async def delete(request: web.Request) -> web.Response:
    require(request, "ops")
    corp, code = await _code(request)
    await service.delete_live_code(code, request.config_dict[keys.CLIENTS].for_corp(corp))
    return ok({"deleted": code.id})


@API.route(
    "GET",
    "/api/v1/livecodes/{id}/stats",
    "Scans, adds, welcomes, losses, quota use",
    tag=TAG,
    response=CodeStats,
)
async def stats(request: web.Request) -> web.Response:
    corp, code = await _code(request)
    days = query_int(request, "days", 7, 1, 90)
    loss_days = query_int(request, "loss_days", 7, 1, 90)
    today = service.local_now(corp).date()
    result = await code_stats(code, request.config_dict[keys.ARQ], today, days, loss_days)
    return ok(result.model_dump(mode="json"))


class MemberOnline(BaseModel):
    online: bool


@API.route(
    "POST",
    "/api/v1/livecodes/{id}/members/{userid}/online",
    "Take a member on or off duty for this code",
    tag=TAG,
    body=MemberOnline,
    response=LiveCodeOut,
)
async def member_online(request: web.Request) -> web.Response:
    require(request, "ops")
    corp, code = await _code(request)
    body = await parse(request, MemberOnline)
    updated = await LiveCodeMember.filter(
        code_id=code.id, userid=request.match_info["userid"]
    ).update(online=body.online)
    if not updated:
        return error(404, "no such member in this code")
    await service.sync_code(
        code, request.config_dict[keys.CLIENTS].for_corp(corp), corp, request.config_dict[keys.ARQ]
    )
    return ok(await _out(code))
