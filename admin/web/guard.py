"""The middleware in front of /admin/ and /sidebar/: a session is required (else the login
page), and every form post must carry the session's CSRF token."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from admin.api import identity
from admin.api.auth import ACTOR
from scrm.infra.logging import get_logger

log = get_logger("admin.web.guard")
OPEN_PATHS = ("/admin/login", "/admin/static/", "/sidebar/static/", "/sidebar/oauth")


@web.middleware
async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
    path = request.path
    if not path.startswith(("/admin", "/sidebar")):
        return await handler(request)
    session = await identity.get_session(request)
    if request.method in identity.UNSAFE:
        given = request.headers.get(identity.CSRF_HEADER)
        if given is None and request.content_type == "application/x-www-form-urlencoded":
            given = str((await request.post()).get(identity.CSRF_FIELD, ""))
        if not identity.csrf_ok(session, given):
            log.warning("web.csrf_refused", path=path)
            raise web.HTTPForbidden(text="缺少或错误的 CSRF 令牌，请刷新页面后重试")
    if path.startswith(OPEN_PATHS):
        return await handler(request)
    who = await identity.session_actor(request)
    if who is None:
        if path.startswith("/sidebar"):
            raise web.HTTPFound("/sidebar/oauth?next=" + quote(request.path_qs))
        raise web.HTTPFound("/admin/login?next=" + quote(request.path_qs))
    request[ACTOR] = who
    return await handler(request)
