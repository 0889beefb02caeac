"""`/api/v1/group-livecodes`: 群活码 — create, edit, delete, list, statistics and posters."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import web
from pydantic import BaseModel

from admin.api.auth import require
from admin.api.common import corp_for, error, ok, owned, parse
from admin.api.openapi import API
from admin.api.posters import _wecom_qr
from livecode import group_edit, group_service, poster
from livecode.group_service import GroupLiveCodeOut, GroupLiveCodeSpec
from livecode.service import LiveCodeError, local_now
from scrm.infra import keys
from scrm.models import Corp, GroupChat
from scrm.models.livecode import GroupLiveCode, GroupLiveCodeJoin

TAG = "group live codes"


class GroupDay(BaseModel):
    day: str
    joins: int


class GroupFill(BaseModel):
    chat_id: str
    name: str
    members: int
    joins_via_code: int
    open: bool


class GroupCodeStats(BaseModel):
    code_id: int
    status: str
    days: list[GroupDay]
    groups: list[GroupFill]


def _out(code: GroupLiveCode) -> dict[str, object]:
    return GroupLiveCodeOut(
        id=code.id,
        name=code.name,
        state=code.state,
        status=code.status,
        chat_ids=code.chat_ids,
        current_chat_ids=code.current_chat_ids,
        threshold=code.threshold,
        qr_url=code.qr_url,
        config_id=code.config_id,
        last_error=code.last_error,
    ).model_dump(mode="json")


async def _code(request: web.Request) -> tuple[Corp, GroupLiveCode]:
    # Codes are the ops lead's campaigns: their pages need "ops", and so does the API.
    require(request, "ops")
    return await owned(request, GroupLiveCode, "group live code")


@API.route(
    "POST",
    "/api/v1/group-livecodes",
    "Create a group live code (WeCom join way)",
    tag=TAG,
    body=GroupLiveCodeSpec,
    response=GroupLiveCodeOut,
    status=201,
    also=(409,),
)
async def create(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    spec = await parse(request, GroupLiveCodeSpec)
    if spec.state and await GroupLiveCode.exists(corp_id=corp.id, state=spec.state):
        return error(409, f"state {spec.state!r} is used by another group live code")
    try:
        code = await group_service.create_group_code(
            corp, request.config_dict[keys.CLIENTS].for_corp(corp), spec
        )
    except LiveCodeError as exc:
        return error(422, str(exc), errcode=exc.errcode)
    return ok(_out(code), status=201)


@API.route(
    "GET",
    "/api/v1/group-livecodes",
    "List group live codes",
    tag=TAG,
    response=GroupLiveCodeOut,
    many=True,
)
async def list_codes(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    return ok([_out(c) for c in await GroupLiveCode.filter(corp_id=corp.id).order_by("-id")])


@API.route(
    "GET",
    "/api/v1/group-livecodes/{id}",
    "One group live code",
    tag=TAG,
    response=GroupLiveCodeOut,
)
async def get_code(request: web.Request) -> web.Response:
    return ok(_out((await _code(request))[1]))


@API.route(
    "PUT",
    "/api/v1/group-livecodes/{id}",
    "Edit a group live code (the join way kept in step)",
    tag=TAG,
    body=GroupLiveCodeSpec,
    response=GroupLiveCodeOut,
)
async def update(request: web.Request) -> web.Response:
    require(request, "ops")
    corp, code = await _code(request)
    spec = await parse(request, GroupLiveCodeSpec)
    if spec.state and spec.state != code.state:
        return error(422, "state cannot change: printed posters carry it")
    try:
        await group_edit.update_group_code(
            code, request.config_dict[keys.CLIENTS].for_corp(corp), spec
        )
    except LiveCodeError as exc:
        return error(422, str(exc), errcode=exc.errcode)
    return ok(_out(code))


@API.route("DELETE", "/api/v1/group-livecodes/{id}", "Delete a group code + join way", tag=TAG)
async def delete(request: web.Request) -> web.Response:
    require(request, "ops")
    corp, code = await _code(request)
    try:
        await group_edit.delete_group_code(code, request.config_dict[keys.CLIENTS].for_corp(corp))
    except LiveCodeError as exc:
        return error(422, str(exc), errcode=exc.errcode)
    return ok({"deleted": code.id})


@API.route(
    "GET",
    "/api/v1/group-livecodes/{id}/stats",
    "Joins per day, fill per group",
    tag=TAG,
    response=GroupCodeStats,
)
async def stats(request: web.Request) -> web.Response:
    corp, code = await _code(request)
    return ok((await group_stats(corp, code)).model_dump(mode="json"))


async def group_stats(corp: Corp, code: GroupLiveCode) -> GroupCodeStats:
    """The last 7 days of joins and each group's fill (the admin detail page shows it too)."""
    today = local_now(corp).date()
    days = [today - timedelta(days=i) for i in range(6, -1, -1)]
    joins = await GroupLiveCodeJoin.filter(code_id=code.id, day__gte=days[0])
    chats = {
        c.chat_id: c for c in await GroupChat.filter(corp_id=corp.id, chat_id__in=code.chat_ids)
    }
    return GroupCodeStats(
        code_id=code.id,
        status=code.status,
        days=[GroupDay(day=d.isoformat(), joins=sum(j.day == d for j in joins)) for d in days],
        groups=[
            GroupFill(
                chat_id=c,
                name=chats[c].name if c in chats else "",
                members=chats[c].member_count if c in chats else 0,
                joins_via_code=await GroupLiveCodeJoin.filter(code_id=code.id, chat_id=c).count(),
                open=c in code.current_chat_ids,
            )
            for c in code.chat_ids
        ],
    )


@API.route(
    "GET",
    "/api/v1/group-livecodes/{id}/poster.png",
    "The code's poster (PNG)",
    tag=TAG,
    media="image/png",
    also=(503,),
)
async def poster_png(request: web.Request) -> web.Response:
    _, code = await _code(request)
    template = poster.PosterTemplate(subtitle="长按识别二维码，加入社群", show_staff=False)
    key = poster.PosterCache.key("group", code.id, code.updated_at, code.qr_url)
    png = poster.CACHE.get(key)
    if png is None:
        qr = await _wecom_qr(request, code.qr_url)
        try:
            png = await asyncio.to_thread(poster.render, template, title=code.name, qr_png=qr)
        except poster.FontMissing as exc:
            return error(503, str(exc))
        poster.CACHE.put(key, png)
    return web.Response(body=png, content_type="image/png")
