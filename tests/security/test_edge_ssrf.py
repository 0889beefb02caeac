# ruff: noqa: F401, F811  (the `linked` fixture is imported, then requested by name)
"""Finding 5: a quick-reply picture (or a journey webhook) whose address points inside our
network — loopback, private, link-local, in any spelling, or by a redirect — is never fetched,
and every failure reads the same, so the answer is no port-scan oracle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from admin.api.sidebar_media import DOWNLOAD_FAILED
from scrm.infra import keys, safe_fetch
from scrm.infra.settings import Settings, override_settings
from tests.security._authz_helpers import Linked, linked

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


class Target:
    """A loopback server standing in for an internal service: it counts every request."""

    def __init__(self, server: TestServer) -> None:
        self.server, self.hits = server, 0

    @property
    def port(self) -> int:
        assert self.server.port is not None
        return self.server.port


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    app = web.Application()
    box: list[Target] = []

    async def anything(request: web.Request) -> web.StreamResponse:
        box[0].hits += 1
        if "next" in request.query:
            raise web.HTTPFound(request.query["next"])
        if request.path.startswith("/to/"):
            raise web.HTTPFound(request.path.removeprefix("/to"))
        return web.Response(body=PNG, content_type="image/png")

    app.router.add_route("*", "/{tail:.*}", anything)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    box.append(Target(server))
    yield box[0]
    await server.close()


def internal_spellings(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/a.png",
        f"http://2130706433:{port}/a.png",  # decimal 127.0.0.1
        f"http://0177.0.0.1:{port}/a.png",  # octal
        f"http://0x7f.1:{port}/a.png",  # hex, short form
        f"http://[::1]:{port}/a.png",
        f"http://[::ffff:127.0.0.1]:{port}/a.png",  # IPv4-mapped IPv6
        f"http://localhost:{port}/a.png",
        f"http://0.0.0.0:{port}/a.png",
    ]


OTHER_INTERNAL = [
    "http://127.0.0.1:6379/",  # Redis
    "http://10.0.0.1/a.png",
    "http://172.16.5.4/a.png",
    "http://192.168.1.1/a.png",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://100.64.0.1/a.png",  # carrier-grade NAT
    "http://224.0.0.1/a.png",  # multicast
    "http://[fe80::1]/a.png",
    "http://[fd00::1]/a.png",
    "http://no-such-host.invalid/a.png",
    "gopher://127.0.0.1:6379/_INFO",
    "file:///etc/passwd",
]


async def test_every_internal_spelling_is_refused_before_connecting(target: Target) -> None:
    for url in [*internal_spellings(target.port), *OTHER_INTERNAL]:
        with pytest.raises(safe_fetch.FetchError) as caught:
            await safe_fetch.fetch(url)
        assert str(caught.value) == safe_fetch.FETCH_FAILED, url
    assert target.hits == 0


async def test_a_redirect_to_loopback_is_refused(target: Target) -> None:
    # The first hop is allowed by name (as an operator would allow an intranet server); its
    # redirect to another spelling of loopback is checked again and refused.
    allow, start = f"localhost:{target.port}", f"http://localhost:{target.port}/r"
    got = await safe_fetch.fetch(start + "?next=/a.png", allow_hosts=allow)
    assert got.body == PNG and target.hits == 2  # a redirect within the allow-list works
    for inside in (f"http://127.0.0.1:{target.port}/a.png", f"http://0177.0.0.1:{target.port}/"):
        with pytest.raises(safe_fetch.FetchError) as caught:
            await safe_fetch.fetch(f"{start}?next={inside}", allow_hosts=allow)
        assert str(caught.value) == safe_fetch.FETCH_FAILED
    assert target.hits == 2 + 2  # the redirecting hops only, never their loopback target


async def test_redirects_are_capped(target: Target) -> None:
    allow = f"127.0.0.1:{target.port}"
    chain = f"http://127.0.0.1:{target.port}" + "/to" * 5 + "/a.png"
    with pytest.raises(safe_fetch.FetchError) as caught:
        await safe_fetch.fetch(chain, allow_hosts=allow, max_redirects=3)
    assert "redirects" in caught.value.reason
    assert target.hits == 4


async def test_the_body_is_capped(target: Target) -> None:
    with pytest.raises(safe_fetch.FetchError):
        await safe_fetch.fetch(
            f"http://127.0.0.1:{target.port}/a.png",
            allow_hosts=f"127.0.0.1:{target.port}",
            max_bytes=10,
        )


async def test_the_allow_list_names_hosts_not_networks(target: Target) -> None:
    allow = f"127.0.0.1:{target.port}"
    ok = await safe_fetch.fetch(f"http://127.0.0.1:{target.port}/a.png", allow_hosts=allow)
    assert ok.status == 200 and ok.body == PNG
    # The same address spelled another way, or another port, is not on the list.
    for url in (f"http://2130706433:{target.port}/", f"http://[::1]:{target.port}/"):
        with pytest.raises(safe_fetch.FetchError):
            await safe_fetch.fetch(url, allow_hosts=allow)
    with pytest.raises(safe_fetch.FetchError):
        await safe_fetch.fetch("http://127.0.0.1:6379/", allow_hosts=allow)


async def test_quick_reply_use_never_fetches_inside_and_answers_one_text(
    linked: Linked, target: Target
) -> None:
    # The fixture allows the sandbox only (it serves the WeCom API on loopback).
    assert linked.bot.app[keys.SETTINGS].fetch_allow_hosts == linked.sandbox.url.split("//")[1]
    cat = await linked.api("POST", "/api/v1/quick-replies/categories", {"name": "图"}, 201)
    texts = set()
    urls = [*internal_spellings(target.port), *OTHER_INTERNAL[:-2], linked.sandbox.url + "/nope"]
    for i, url in enumerate(urls):
        body = {"category_id": cat["id"], "kind": "image", "title": f"图{i}", "url": url}
        made = await linked.api("POST", "/api/v1/quick-replies", body, 201)
        used = await linked.api("POST", f"/api/v1/quick-replies/{made['id']}/use", status=502)
        texts.add(used["error"])
    assert texts == {DOWNLOAD_FAILED}  # a refused port, a closed one, a 404: the same words
    assert target.hits == 0
    assert await linked.sandbox.records("media") == []


async def test_a_journey_webhook_to_loopback_is_not_posted(
    settings: Settings, target: Target
) -> None:
    from types import SimpleNamespace
    from typing import Any, cast

    from scrm.sop.journey_nodes import post_webhook

    node = {"id": "h", "url": f"http://127.0.0.1:{target.port}/hook", "secret": "k"}
    journey = cast(Any, SimpleNamespace(name="j"))
    run = cast(Any, SimpleNamespace(external_userid="wm1", owner_userid="zhangsan"))
    async with aiohttp.ClientSession() as http:
        refused = await post_webhook(http, node, journey, run, datetime.now(UTC))
        assert refused == "refused or failed" and target.hits == 0
        override_settings(settings.model_copy(update={"fetch_allow_hosts": "127.0.0.1"}))
        assert await post_webhook(http, node, journey, run, datetime.now(UTC)) == 200
    assert target.hits == 1
