"""The admin is a sub-app with its own middlewares (session, error pages, guard, bearer auth,
audit): a WeCom callback, a lead push, a landing page and the health probe pass through none
of them, while every admin path passes through all of them."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from admin import app as admin_app
from admin.api.auth import bearer_auth
from admin.audit import audit_writes
from admin.web.errors import error_pages
from admin.web.guard import guard
from bot.app import create_app
from scrm.infra.settings import Settings
from scrm.models import Inbox
from tests.callbacks import add_contact_xml, signed
from tests.conftest import CORP_ID
from wecom.crypto import WeComCrypto


def _admin_of(app: web.Application) -> web.Application:
    found = [sub for sub in app._subapps if sub.router.get("admin_static") is not None]
    assert len(found) == 1
    return found[0]


def _spy(monkeypatch: pytest.MonkeyPatch, seen: list[str]) -> None:
    """A recorder at the head of the admin's own chain (put there before the sub-app is
    mounted and frozen): it runs iff the chain runs."""

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        seen.append(request.path)
        return await handler(request)

    create = admin_app.create_admin

    def spied(redis_url: str) -> web.Application:
        admin = create(redis_url)
        admin.middlewares.insert(0, record)
        return admin

    monkeypatch.setattr(admin_app, "create_admin", spied)


def test_the_admin_middlewares_are_on_the_sub_app_only(settings: Settings) -> None:
    app = create_app(settings, run_sweeper=False)
    admin = _admin_of(app)
    chain = [error_pages, guard, bearer_auth, audit_writes]
    assert all(m in admin.middlewares for m in chain)
    assert not any(m in app.middlewares for m in chain)
    assert admin_app.PREFIXES == ("/admin", "/sidebar", "/api/")


async def test_a_callback_passes_through_no_admin_middleware(
    aiohttp_client: Any, db: Settings, crypto: WeComCrypto, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    _spy(monkeypatch, seen)
    app = create_app(db, run_sweeper=False)
    client = await aiohttp_client(app)
    params, body = signed(crypto, add_contact_xml(CORP_ID, "zhangsan", "wmEXT1", 1700000000))
    answer = await client.post(f"/wecom/callback/{CORP_ID}", params=params, data=body)
    assert answer.status == 200
    assert await Inbox.filter(corp_id=CORP_ID).count() == 1  # stored before the ack
    push = await client.post("/webhooks/douyin", data=b"{}")
    assert 400 <= push.status < 500  # unsigned: refused by the webhook itself
    assert (await client.get("/healthz")).status in (200, 503)
    assert seen == []  # none of the three met the admin's chain
    page = await client.get("/admin/leads", allow_redirects=False)
    assert page.status == 302 and page.headers["Location"].startswith("/admin/login")
    assert (await client.get("/api/v1/leads")).status == 401
    missing = await client.get("/admin/no-such-page", allow_redirects=False)
    assert missing.status == 302  # the guard asks for a login before it says 404
    assert (await client.get("/api/openapi.json")).status == 200
    assert seen == ["/admin/leads", "/api/v1/leads", "/admin/no-such-page", "/api/openapi.json"]
