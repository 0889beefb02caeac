"""群活码 pages: the list, the create/edit form, and a code's poster and join statistics.

Registered through admin.web.pages.livecodes (the app imports that module's routes)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from admin.api.group_livecodes import group_stats
from admin.web.render import current, page
from livecode.common import local_now
from scrm.enums import GroupStatus
from scrm.ints import parse_id
from scrm.models import Corp, GroupChat
from scrm.models.livecode import GroupLiveCode, GroupLiveCodeJoin

routes = web.RouteTableDef()
STATUSES = {"active": "启用", "full": "群已满", "paused": "已暂停"}


async def corp_of(request: web.Request) -> Corp:
    """The logged-in person's corp (the bootstrap admin: the only active one)."""
    who = current(request)
    corp = await (
        Corp.get_or_none(id=who.corp_pk) if who.corp_pk else Corp.filter(active=True).first()
    )
    if corp is None:
        raise web.HTTPNotFound(text="还没有企业")
    return corp


async def _code(request: web.Request, corp: Corp) -> GroupLiveCode:
    code_id = parse_id(request.match_info["id"]) or 0
    code = await GroupLiveCode.get_or_none(id=code_id, corp_id=corp.id)
    if code is None:
        raise web.HTTPNotFound(text="没有这个群活码")
    return code


async def _chat_names(corp: Corp, chat_ids: list[str]) -> dict[str, str]:
    rows = await GroupChat.filter(corp_id=corp.id, chat_id__in=chat_ids).values_list(
        "chat_id", "name"
    )
    return {chat_id: name or chat_id for chat_id, name in rows}


@routes.get("/admin/groupcodes", name="groupcodes")
@page("groupcodes_list.html", nav="groupcodes", title="群活码", role="ops")
async def list_codes(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    codes = await GroupLiveCode.filter(corp_id=corp.id).order_by("-id")
    today = local_now(corp).date()
    ids = [c.id for c in codes]
    joins = await GroupLiveCodeJoin.filter(code_id__in=ids).values_list("code_id", "day")
    total = Counter(code_id for code_id, _ in joins)
    todays = Counter(code_id for code_id, day in joins if day == today)
    names = await _chat_names(corp, [chat for c in codes for chat in c.chat_ids])
    rows = [
        {
            "code": c,
            "current": [names.get(chat, chat) for chat in c.current_chat_ids],
            "joins_today": todays[c.id],
            "joins_total": total[c.id],
        }
        for c in codes
    ]
    return {"rows": rows, "statuses": STATUSES}


async def _form(request: web.Request, code: GroupLiveCode | None) -> dict[str, Any]:
    corp = await corp_of(request)
    chats = await GroupChat.filter(corp_id=corp.id, status=GroupStatus.ACTIVE).order_by("name")
    known = {c.chat_id: c for c in chats}
    chosen = code.chat_ids if code else []
    # The code's groups first, in rotation order, then the others; a group WeCom created
    # automatically and not mirrored yet still shows by its id.
    options = [
        {
            "chat_id": chat_id,
            "name": known[chat_id].name if chat_id in known else chat_id,
            "members": known[chat_id].member_count if chat_id in known else None,
            "checked": True,
        }
        for chat_id in chosen
    ] + [
        {"chat_id": c.chat_id, "name": c.name or c.chat_id, "members": c.member_count}
        for c in chats
        if c.chat_id not in chosen
    ]
    return {
        "code": code,
        "title": f"编辑群活码 · {code.name}" if code else "新建群活码",
        "chats": options,
    }


@routes.get("/admin/groupcodes/new", name="groupcode_new")
@page("groupcodes_form.html", nav="groupcodes", title="新建群活码", role="ops")
async def new_code(request: web.Request) -> dict[str, Any]:
    return await _form(request, None)


@routes.get(r"/admin/groupcodes/{id:\d{1,18}}/edit", name="groupcode_edit")
@page("groupcodes_form.html", nav="groupcodes", title="编辑群活码", role="ops")
async def edit_code(request: web.Request) -> dict[str, Any]:
    return await _form(request, await _code(request, await corp_of(request)))


@routes.get(r"/admin/groupcodes/{id:\d{1,18}}", name="groupcode")
@page("groupcodes_detail.html", nav="groupcodes", title="群活码详情", role="ops")
async def detail(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    code = await _code(request, corp)
    stats = await group_stats(corp, code)
    chart = {
        "type": "bar",
        "labels": [d.day[5:] for d in stats.days],
        "series": [{"label": "入群", "data": [d.joins for d in stats.days]}],
    }
    updated = code.updated_at or datetime.now(UTC)
    return {
        "title": f"群活码详情 · {code.name}",
        "code": code,
        "stats": stats,
        "chart": chart,
        "week": sum(d.joins for d in stats.days),
        "statuses": STATUSES,
        "version": int(updated.timestamp() * 1_000_000),
    }
