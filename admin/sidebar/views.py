"""The sidebar pages: `/sidebar/` (customer card and quick replies) and `/sidebar/oauth`."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from admin.api import identity
from admin.api.auth import ACTOR
from admin.sidebar import oauth
from scrm.models import Staff

routes = web.RouteTableDef()
routes.get("/sidebar/oauth")(oauth.oauth)


@routes.get("/sidebar")
async def bare(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/sidebar/" + (f"?{request.query_string}" if request.query_string else ""))


@routes.get("/sidebar/")
async def sidebar(request: web.Request) -> web.StreamResponse:
    who = request[ACTOR]
    session = await identity.get_session(request)
    staff = (
        await Staff.get_or_none(corp_id=who.corp_pk, userid=who.userid)
        if who.userid and who.corp_pk
        else None
    )
    context = {
        "title": "客户侧边栏",
        "csrf": identity.csrf_token(session),
        "me": staff.name if staff and staff.name else who.name or who.userid,
        # For a desktop browser without WeCom's JS-SDK: ?external_userid= names the customer.
        "external_userid": request.query.get("external_userid", ""),
    }
    return aiohttp_jinja2.render_template("sidebar.html", request, context)
