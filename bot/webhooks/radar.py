"""`GET /r/{token}`: a 雷达 (tracked) link. A genuine token records the open and answers 302
to the target; a forged or unknown one gets a plain Chinese page, never the target."""

from __future__ import annotations

import html
from urllib.parse import quote, urlencode

from aiohttp import web

from scrm.infra import background, keys
from scrm.infra.logging import get_logger
from scrm.models import Corp
from scrm.services import notify, radar
from wecom import errors

log = get_logger("bot.webhooks.radar")
routes = web.RouteTableDef()

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}</title></head>
<body style="font-family:sans-serif;padding:2em;color:#333"><h3>{title}</h3><p>{text}</p></body>
</html>"""


def _page(status: int, title: str, text: str) -> web.Response:
    body = PAGE.format(title=html.escape(title), text=html.escape(text))
    return web.Response(status=status, text=body, content_type="text/html", charset="utf-8")


def _invalid() -> web.Response:
    return _page(404, "链接无效", "这个链接无效或已失效，请联系发给您链接的顾问。")


def _oauth_url(request: web.Request, corp: Corp, token: str) -> str:
    settings = request.app[keys.SETTINGS]
    here = (
        settings.public_url.rstrip("/") or f"{request.scheme}://{request.host}"
    ) + f"/r/{token}"
    query = {
        "appid": corp.corp_id,
        "redirect_uri": here,
        "response_type": "code",
        "scope": "snsapi_base",
        "state": "radar",
    }
    base = settings.wecom_oauth_base.rstrip("/")
    return f"{base}/connect/oauth2/authorize?{urlencode(query, quote_via=quote)}#wechat_redirect"


@routes.get("/r/{token}")
async def open_link(request: web.Request) -> web.StreamResponse:
    claim = radar.read(request.match_info["token"])
    if claim is None:
        log.info("radar.refused")
        return _invalid()
    corp = await radar.corp_of(claim)
    if corp is None:
        return _invalid()
    code = request.query.get("code", "")[:128]
    if not claim.target and request.query.get("state") != "radar":
        # A 群发 link names the member and the send, not the customer (one task carries one
        # message for all): WeCom's OAuth tells who is opening it.
        raise web.HTTPFound(_oauth_url(request, corp, request.match_info["token"]))
    if not claim.target and code:
        try:
            who = await request.app[keys.CLIENTS].for_corp(corp).get_user_info(code)
            claim = radar.Claim(
                claim.corp_pk, claim.material_id, claim.sender, who.external_userid, claim.source
            )
        except errors.WeComError as exc:  # still a genuine link: count an anonymous open
            log.info("radar.oauth_failed", errcode=exc.errcode)
    opened = await radar.record_open(claim, request.headers.get("User-Agent", ""))
    if opened is None:
        return _invalid()
    if opened.notify:
        client = request.app[keys.CLIENTS].for_corp(corp)
        background.spawn(notify.tell(client, corp, opened.notify, opened.text), "radar.notify")
    raise web.HTTPFound(opened.url)
