"""The admin as an aiohttp sub-app: pages, staff sidebar and JSON API behind their own
middlewares, so a WeCom callback or a lead push passes through none of them."""

from __future__ import annotations

import functools
from typing import Any

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRuleMatching, MatchedSubAppResource

from admin.api import API
from admin.api.auth import bearer_auth
from admin.audit import audit_writes
from admin.sidebar import views as sidebar
from admin.web import setup_web
from admin.web.errors import error_pages
from admin.web.guard import guard
from admin.web.pages import (
    campaigns,
    compliance,
    customers,
    dashboard,
    deals,
    leads,
    livecodes,
    quickreplies,
    reports,
    settings,
    sop,
    transfers,
)

# Each page module holds one area's pages; the sidebar's pages open beside a WeCom chat.
PAGES = (
    dashboard,
    livecodes,
    customers,
    leads,
    deals,
    reports,
    sop,
    compliance,
    settings,
    quickreplies,
    transfers,
    campaigns,
    sidebar,
)

# Every path the admin serves: pages, the staff sidebar and the JSON API (with its OpenAPI).
PREFIXES = ("/admin", "/sidebar", "/api/")


class AdminPaths(AbstractRuleMatching):
    """Sends a request to the admin sub-app by its path's prefix. Unlike `add_subapp`, the
    sub-app sees the whole path: its routes keep their absolute addresses, and an unknown
    /admin/... address still gets the admin's Chinese 404 page from its own middleware."""

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        self._prefixes = prefixes

    async def match(self, request: web.Request) -> bool:
        return request.path.startswith(self._prefixes)

    def get_info(self) -> Any:  # aiohttp types it with a private TypedDict
        return {"prefixes": self._prefixes}

    @property
    def canonical(self) -> str:
        return "|".join(self._prefixes)


def create_admin(redis_url: str) -> web.Application:
    admin = web.Application(client_max_size=1024 * 1024)
    # Order matters: the session is read by the page guard and by the API's auth, and the
    # audit log needs to know who is acting before it lets a write through.
    sessions = setup_web(admin, redis_url)
    admin.middlewares.extend([sessions, error_pages, guard, bearer_auth, audit_writes])
    for pages in PAGES:
        admin.add_routes(pages.routes)
    admin.add_routes(API.routes)
    admin.router.add_get("/api/openapi.json", openapi_document)
    return admin


def mount(app: web.Application, admin: web.Application) -> None:
    """`admin` answers every path under PREFIXES. aiohttp's public `add_domain` mounts a
    sub-app by a matching rule on the Host header; this is the same mount with a path rule
    (`_add_subapp` registers the resource and forwards the sub-app's start-up and clean-up)."""
    app._add_subapp(functools.partial(MatchedSubAppResource, AdminPaths(PREFIXES), admin), admin)


async def openapi_document(request: web.Request) -> web.Response:
    return web.json_response(API.document())
