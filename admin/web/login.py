"""Log in and log out of /admin/."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from admin.api import identity
from admin.api.accounts import authenticate
from admin.web import login_limit
from scrm.infra import keys

routes = web.RouteTableDef()


def _next(raw: str | None) -> str:
    # Only our own pages: an absolute or protocol-relative URL would be an open redirect.
    if raw and raw.startswith(("/admin", "/sidebar")) and not raw.startswith("//"):
        return raw
    return "/admin/"


@routes.get("/admin/login")
async def login_form(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    context = {"title": "登录", "csrf": identity.csrf_token(session), "error": ""}
    context["next"] = _next(request.query.get("next"))
    return aiohttp_jinja2.render_template("login.html", request, context)


@routes.post("/admin/login")
async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    target = _next(str(form.get("next", "")))
    settings, ip = request.config_dict[keys.SETTINGS], request.remote or ""
    limited = await login_limit.refused(
        request.config_dict[keys.ARQ],
        ip,
        username[:128],
        per_ip=settings.login_rate_per_ip,
        per_account=settings.login_rate_per_account,
        window=settings.login_rate_window_seconds,
    )
    result = limited or await authenticate(username, password, ip=ip)
    if isinstance(result, str):
        session = await get_session(request)
        context = {
            "title": "登录",
            "csrf": identity.csrf_token(session),
            "error": result,
            "next": target,
            "username": username,
        }
        status = 429 if limited else 401
        return aiohttp_jinja2.render_template("login.html", request, context, status=status)
    await identity.start(request, result)
    raise web.HTTPFound(target)


@routes.post("/admin/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    (await get_session(request)).invalidate()
    raise web.HTTPFound("/admin/login")
