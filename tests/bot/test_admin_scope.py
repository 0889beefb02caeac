"""The admin's middlewares (session, error pages, guard, bearer auth, audit) run on the admin's
paths only: WeCom callbacks, lead webhooks and landing pages pass through none of them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.app import ADMIN_PREFIXES, create_app, scoped


def _recording(name: str, seen: list[str]) -> Any:
    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        seen.append(f"{name}>")
        response = await handler(request)
        seen.append(f"<{name}")
        return response

    return record


async def test_the_chain_wraps_admin_paths_in_order_and_nothing_else(aiohttp_client: Any) -> None:
    seen: list[str] = []

    async def ok(request: web.Request) -> web.Response:
        seen.append("handler")
        return web.Response(text="ok")

    chain = [_recording("session", seen), _recording("guard", seen), _recording("audit", seen)]
    app = web.Application(middlewares=[scoped(ADMIN_PREFIXES, chain)])
    admin, others = ("/admin/x", "/sidebar/y", "/api/v1/z"), ("/wecom/c", "/webhooks/w", "/l/1")
    for path in admin + others:
        app.router.add_route("*", path, ok)
    client = await aiohttp_client(app)
    for path in admin:
        seen.clear()
        assert (await client.get(path)).status == 200
        assert seen == ["session>", "guard>", "audit>", "handler", "<audit", "<guard", "<session"]
    for path in others:
        seen.clear()
        assert (await client.post(path)).status == 200
        assert seen == ["handler"], path


async def test_the_real_app_still_guards_the_admin(aiohttp_client: Any, settings: Any) -> None:
    client = await aiohttp_client(create_app(settings, run_sweeper=False))
    page = await client.get("/admin/leads", allow_redirects=False)
    assert page.status == 302 and page.headers["Location"].startswith("/admin/login")
    assert (await client.get("/api/v1/leads")).status == 401
    api = await client.get("/api/v1/leads", headers={"Authorization": "Bearer wrong"})
    assert api.status == 401
    assert (await client.get("/healthz")).status in (200, 503)  # open, outside the admin
