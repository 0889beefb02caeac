"""The admin pages (/admin/) and the staff sidebar (/sidebar/): templates, static files, routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from admin.api import deal_labels, identity
from admin.web import login
from scrm import labels
from scrm.infra import clock

HERE = Path(__file__).parent
@jinja2.pass_context
def _when(context: Any, value: Any, seconds: bool = False) -> str:
    """`{{ x.created_at|when }}`: the corp-zone text of an instant (the layout's `corp_tz`)."""
    return clock.when(value, context.get("corp_tz") or context.get("tz"), seconds)


def setup_web(app: web.Application, redis_url: str) -> Any:
    """Templates, static files and the login page on `app`; returns the session middleware,
    which the app factory places before the API's auth (that reads sessions too)."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(HERE / "templates"),
                jinja2.FileSystemLoader(HERE.parent / "sidebar" / "templates"),
            ]
        ),
        autoescape=True,
    )
    env.filters["label"] = labels.label
    env.filters["when"] = _when
    env.filters["yuan"] = deal_labels.yuan
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
    middleware, client = identity.sessions(redis_url)

    async def close_sessions(app: web.Application) -> AsyncIterator[None]:
        yield
        await client.aclose()

    app.cleanup_ctx.append(close_sessions)
    app.router.add_static("/admin/static/", HERE / "static", name="admin_static")
    sidebar_static = HERE.parent / "sidebar" / "static"
    if sidebar_static.is_dir():
        app.router.add_static("/sidebar/static/", sidebar_static, name="sidebar_static")
    app.add_routes(login.routes)
    return middleware
