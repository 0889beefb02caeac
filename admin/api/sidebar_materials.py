"""`/api/v1/sidebar/materials`: the 素材库 in the chat sidebar — listed by category, and turned
into a JS-SDK sendChatMessage body for the customer in the chat (雷达 links minted for this
member and this customer)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from admin.api import sidebar_card as card
from admin.api import sidebar_messages as messages
from admin.api.auth import actor
from admin.api.common import corp_for, not_found, ok, path_id
from admin.api.materials import material_out
from admin.api.openapi import API
from scrm.models import Material
from scrm.services import materials

TAG = "sidebar"
SENDABLE = ("text", "image", "poster", "link", "miniprogram")  # what sendChatMessage takes


@API.route("GET", "/api/v1/sidebar/materials", "The 素材库 by category, for the sidebar", tag=TAG)
async def list_for_sidebar(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    rows = await Material.filter(corp_id=corp.id, kind__in=SENDABLE).order_by("-uses", "-id")
    cats: dict[str, list[dict[str, Any]]] = {}
    for m in rows[:500]:
        cats.setdefault(m.category or "未分类", []).append(material_out(m))
    return ok({"categories": [{"name": n, "items": items} for n, items in cats.items()]})


@API.route(
    "POST",
    "/api/v1/sidebar/customer/{external_userid}/materials/{id}/send",
    "The sendChatMessage body for a material (a 雷达 link names you and this customer)",
    tag=TAG,
    also=(502,),
)
async def message_for(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    ext = request.match_info["external_userid"]
    who = actor(request)
    relations = await card.relations(corp.id, ext, who)
    if not relations:
        raise not_found("customer")
    row = await Material.get_or_none(id=path_id(request, "material"), corp_id=corp.id)
    if row is None:
        raise not_found("material")
    sender = who.userid or relations[0].staff.userid
    message = await messages.chat_message(request, corp, row, sender, ext)
    if isinstance(message, web.Response):
        return message
    await materials.count_use([row.id])
    return ok({"id": row.id, "message": message})
