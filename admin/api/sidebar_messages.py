"""A 素材库 material as a JS-SDK sendChatMessage body: what the sidebar sends, from the 素材库
tab or through a 话术库 item that refers to the material."""

from __future__ import annotations

from typing import Any, cast

from aiohttp import web

from admin.api import sidebar_media as media
from admin.api.common import base_url, error
from scrm.infra import keys
from scrm.models import Corp, Material, QuickReply
from scrm.services import materials, radar
from wecom import errors


async def chat_message(
    request: web.Request, corp: Corp, row: Material, sender: str, ext: str
) -> dict[str, Any] | web.Response:
    """The sendChatMessage body for a material (also a 话术库 item that refers to one); a
    tracked link names `sender` and the customer `ext` ("" when not known: the opener is
    identified when the link is opened)."""
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
        client = request.config_dict[keys.CLIENTS].for_corp(corp)
        try:
            # The sidebar's picture cache (download once, media id kept under 3 days) works on
            # anything with an id and a url.
            mediaid = await media.media_id(
                client, cast(QuickReply, row), request.config_dict[keys.SETTINGS].fetch_allow_hosts
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
    return message
