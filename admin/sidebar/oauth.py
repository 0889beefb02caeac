"""`/sidebar/oauth`: staff arrive in the sidebar through WeCom's OAuth (网页授权, snsapi_base).

Without `?code` the browser goes to WeCom's authorize page with a fresh `state` kept in the
session; WeCom sends it back here with `?code&state`, the code names the member
(auth/getuserinfo), and a sidebar session starts for them."""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from admin.api import identity
from admin.api.common import base_url
from scrm.infra import keys
from scrm.infra.logging import get_logger
from scrm.models import Corp, Staff
from wecom import errors

log = get_logger("admin.sidebar.oauth")
HOME = "/sidebar/"


def safe_next(raw: str | None) -> str:
    """Only a sidebar page; anything else (another site, //host, this OAuth step) goes home."""
    if not raw or not raw.startswith("/sidebar") or raw.startswith("//"):
        return HOME
    return HOME if raw.startswith("/sidebar/oauth") else raw


def message(request: web.Request, status: int, title: str, text: str) -> web.Response:
    context = {"title": title, "message": text, "retry": HOME}
    return aiohttp_jinja2.render_template("sidebar_message.html", request, context, status=status)


async def _corp(target: str) -> Corp | None:
    """The corp named by the sidebar page's `?corp_id=` (set in the app's sidebar URL when one
    service hosts several corps), else the only active corp."""
    wanted = parse_qs(urlsplit(target).query).get("corp_id", [""])[0]
    corps = await Corp.filter(active=True, **({"corp_id": wanted} if wanted else {})).limit(2)
    return corps[0] if len(corps) == 1 else None


def authorize_url(request: web.Request, corp: Corp, state: str) -> str:
    # WeCom wants the parameters in this order and the #wechat_redirect fragment at the end.
    query: dict[str, Any] = {
        "appid": corp.corp_id,
        "redirect_uri": base_url(request) + "/sidebar/oauth",
        "response_type": "code",
        "scope": "snsapi_base",
        "state": state,
    }
    if corp.agent_id:
        query["agentid"] = corp.agent_id
    base = request.config_dict[keys.SETTINGS].wecom_oauth_base.rstrip("/")
    return f"{base}/connect/oauth2/authorize?{urlencode(query, quote_via=quote)}#wechat_redirect"


async def oauth(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    code = request.query.get("code", "")
    if not code:
        target = safe_next(request.query.get("next"))
        corp = await _corp(target)
        if corp is None:
            return message(
                request, 400, "无法确定企业", "请在侧边栏地址中加上 ?corp_id=企业ID 后重新打开。"
            )
        state = secrets.token_hex(16)  # a-zA-Z0-9 only, as WeCom requires
        session["oauth"] = {"state": state, "next": target, "corp": corp.id}
        raise web.HTTPFound(authorize_url(request, corp, state))
    pending = session.pop("oauth", None)
    given = request.query.get("state", "")
    if not isinstance(pending, dict) or not hmac.compare_digest(str(pending["state"]), given):
        # A code without the state we handed out: a forged or replayed link (CSRF), or a
        # session that expired meanwhile. Either way, start again.
        log.warning("sidebar.oauth_state_mismatch")
        return message(request, 400, "登录已失效", "登录请求已过期或无效，请重新打开侧边栏。")
    corp = await Corp.get_or_none(id=pending["corp"], active=True)
    if corp is None:
        return message(request, 400, "企业已停用", "该企业已停用。")
    try:
        who = await request.config_dict[keys.CLIENTS].for_corp(corp).get_user_info(code)
    except errors.WeComError as exc:
        log.warning("sidebar.oauth_failed", errcode=exc.errcode, errmsg=exc.errmsg)
        return message(
            request,
            502,
            "企业微信登录失败",
            f"企业微信没有确认你的身份（错误码 {exc.errcode}），请重试。",
        )
    if not who.userid:
        return message(request, 403, "无权使用", "侧边栏仅供本企业成员使用。")
    staff = await Staff.get_or_none(corp_id=corp.id, userid=who.userid)
    if staff is None or not staff.active:
        log.warning("sidebar.unknown_member", userid=who.userid)
        return message(
            request, 403, "无权使用", "你不在本系统的成员列表中，请管理员先同步通讯录。"
        )
    await identity.staff_session(request, corp.id, who.userid)
    log.info("sidebar.signed_in", userid=who.userid)
    raise web.HTTPFound(str(pending["next"]))
