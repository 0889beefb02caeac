"""The sandbox's stand-in for WeCom's OAuth page (open.weixin.qq.com/connect/oauth2/authorize):
it signs a member in at once and sends the browser back to `redirect_uri` with a single-use code.

Sandbox-only: `userid=` picks the member (tests and the demo pass it); without it, the corp's
first active member. `external_userid=` stands for a customer
opening the page instead. `auth/getuserinfo` (api_misc.py) turns the code into that userid."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from aiohttp import web
from yarl import URL

from wecom.sandbox.gate import WORLD
from wecom.sandbox.state import now

CODE_TTL = 300.0  # WeCom: a code lives 5 minutes and is good for one getuserinfo
SCOPES = ("snsapi_base", "snsapi_privateinfo")
STATE = re.compile(r"[A-Za-z0-9]{0,128}")  # WeCom: state is a-zA-Z0-9, at most 128 bytes
routes = web.RouteTableDef()
EXTERNAL = "external:"  # a grant for a customer, not a member


@dataclass
class _Grant:
    corp_id: str
    userid: str
    issued: float


class OAuthCodes:
    """Codes issued by the authorize page, taken (once) by auth/getuserinfo."""

    def __init__(self) -> None:
        self._codes: dict[str, _Grant] = {}

    def issue(self, corp_id: str, userid: str) -> str:
        t = now()
        for code in [c for c, g in self._codes.items() if t - g.issued > CODE_TTL]:
            del self._codes[code]
        code = secrets.token_hex(16)
        self._codes[code] = _Grant(corp_id, userid, t)
        return code

    def take(self, corp_id: str, code: str) -> str | None:
        grant = self._codes.get(code)
        if grant is None or grant.corp_id != corp_id:
            return None
        del self._codes[code]
        return grant.userid if now() - grant.issued <= CODE_TTL else None


CODES: web.AppKey[OAuthCodes] = web.AppKey("sandbox_oauth_codes", OAuthCodes)


def _refuse(message: str) -> web.Response:
    # WeCom shows an error page in the browser; the sandbox says what was wrong.
    return web.Response(status=400, text=f"OAuth 参数错误: {message}", charset="utf-8")


@routes.get("/connect/oauth2/authorize")
async def authorize(request: web.Request) -> web.Response:
    world, q = request.app[WORLD], request.query
    corp = world.corps.get(q.get("appid", ""))
    if corp is None:
        return _refuse("appid is not a known corp id")
    if q.get("response_type") != "code":
        return _refuse("response_type must be code")
    scope = q.get("scope", "")
    if scope not in SCOPES:
        return _refuse(f"scope must be one of {', '.join(SCOPES)}")
    agentid = q.get("agentid", "")
    if (agentid or scope == "snsapi_privateinfo") and agentid != str(corp.conf.agent_id):
        return _refuse("agentid does not match the corp's app")
    state = q.get("state", "")
    if not STATE.fullmatch(state):
        return _refuse("state must be a-zA-Z0-9, at most 128 characters")
    try:
        target = URL(q.get("redirect_uri", ""))
    except ValueError:
        return _refuse("redirect_uri is not a URL")
    if target.scheme not in ("http", "https") or not target.host:
        return _refuse("redirect_uri must be an absolute http(s) URL")
    external = q.get("external_userid", "")
    if external:  # sandbox-only: a customer opens a page (a 雷达 link) in WeChat
        if external not in corp.customers:
            return _refuse(f"external_userid {external!r} is not a customer of the corp")
        code = request.app[CODES].issue(corp.conf.corp_id, EXTERNAL + external)
        world.record("oauth_authorize", corp.conf.corp_id, external_userid=external, scope=scope)
        raise web.HTTPFound(str(target.update_query(code=code, state=state)))
    userid = q.get("userid") or next((s.userid for s in corp.staff.values() if not s.resigned), "")
    member = corp.staff.get(userid)
    if member is None or member.resigned:
        return _refuse(f"userid {userid!r} is not an active member")
    code = request.app[CODES].issue(corp.conf.corp_id, userid)
    world.record("oauth_authorize", corp.conf.corp_id, userid=userid, scope=scope)
    raise web.HTTPFound(str(target.update_query(code=code, state=state)))
