"""`/api/v1/sidebar/materials`: the 素材库 in the chat sidebar — listed by category, and turned
into a JS-SDK sendChatMessage body for the customer in the chat (雷达 links minted for this
member and this customer)."""

from __future__ import annotations

from typing import Any, cast

from aiohttp import web

from admin.api.auth import actor
from admin.api.common import corp_for, error, not_found, ok, path_id
from admin.api.materials import material_out
from admin.api.openapi import API
from admin.sidebar import card, media
from admin.sidebar.oauth import base_url
from bot import keys
from scrm.models import Material, QuickReply
from scrm.services import materials, radar
from wecom import errors

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
    message: dict[str, Any]
    if row.kind == "text":
        message = {"msgtype": "text", "text": {"content": row.content}}
    elif row.kind == "link":
        url = row.url
        if row.tracked:
            url = radar.link(
                base_url(request), radar.Claim(corp.id, row.id, sender, ext, "sidebar")
            )
        news = {"link": url, "title": row.title, "desc": row.content, "imgUrl": row.cover_url}
        message = {"msgtype": "news", "news": news}
    elif row.kind in ("image", "poster"):
        client = request.app[keys.CLIENTS].for_corp(corp)
        try:
            # The sidebar's picture cache (download once, media id kept under 3 days) works on
            # anything with an id and a url.
            mediaid = await media.media_id(
                client, cast(QuickReply, row), request.app[keys.SETTINGS].fetch_allow_hosts
            )
        except media.MediaError as exc:
            return error(502, str(exc))
        except errors.WeComError as exc:
            return error(
                502, f"图片上传到企业微信失败（错误码 {exc.errcode}）", errcode=exc.errcode
            )
        message = {"msgtype": "image", "image": {"mediaid": mediaid}}
    elif row.kind == "miniprogram":  # sendChatMessage takes a cover URL, not a media id
        extra = row.extra
        message = {
            "msgtype": "miniprogram",
            "miniprogram": {
                "appid": extra.get("appid", ""),
                "title": row.title,
                "imgUrl": row.cover_url,
                "page": extra.get("page", ""),
            },
        }
    else:
        return error(422, f"{materials.KIND_LABELS.get(row.kind, row.kind)}素材不能从侧边栏发送")
    await materials.count_use([row.id])
    return ok({"id": row.id, "message": message})
