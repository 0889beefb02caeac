"""Scans and WeCom callbacks go ahead of lead webhooks in the web process; webhooks are only
delayed, never refused or starved."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web

from scrm.infra import priority_gate, welcome_lane
from scrm.infra.priority_gate import PriorityGate


def _app(gate: PriorityGate, release: asyncio.Event, log: list[str]) -> web.Application:
    async def scan(request: web.Request) -> web.Response:
        log.append("scan:start")
        await release.wait()
        log.append("scan:end")
        return web.Response(text="ok")

    async def hook(request: web.Request) -> web.Response:
        log.append("hook")
        return web.json_response({"ok": True})

    async def other(request: web.Request) -> web.Response:
        log.append("other")
        return web.Response(text="ok")

    app = web.Application(middlewares=[priority_gate.middleware(gate)])
    app.router.add_get("/l/{id}", scan)
    app.router.add_post("/webhooks/{platform}", hook)
    app.router.add_get("/api/v1/x", other)
    return app


@pytest.fixture
async def setup(
    aiohttp_client: Any,
) -> AsyncIterator[tuple[Any, PriorityGate, asyncio.Event, list[str]]]:
    gate, release, log = PriorityGate(max_wait=3.0), asyncio.Event(), []
    client = await aiohttp_client(_app(gate, release, log))
    yield client, gate, release, log
    release.set()
    gate.close()


async def test_a_webhook_waits_for_a_scan_in_flight_then_runs(setup: Any) -> None:
    client, gate, release, log = setup
    scan = asyncio.create_task(client.get("/l/1"))
    while "scan:start" not in log:
        await asyncio.sleep(0.01)
    started = time.monotonic()
    hook = asyncio.create_task(client.post("/webhooks/webform", data=b"{}"))
    other = await client.get("/api/v1/x")  # only webhooks yield
    assert other.status == 200
    await asyncio.sleep(0.3)
    assert "hook" not in log  # held while the scan is served
    release.set()
    assert (await scan).status == 200
    assert (await hook).status == 200
    waited = time.monotonic() - started
    # It ran after the scan ended plus the linger for the add callback, well before max_wait.
    assert log.index("hook") > log.index("scan:end")
    assert 0.3 + priority_gate.LINGER_SECONDS - 0.05 <= waited < 2.0


async def test_a_webhook_is_never_held_longer_than_max_wait(aiohttp_client: Any) -> None:
    gate, release, log = PriorityGate(max_wait=0.4), asyncio.Event(), []
    client = await aiohttp_client(_app(gate, release, log))
    scan = asyncio.create_task(client.get("/l/1"))  # a scan that does not end
    while "scan:start" not in log:
        await asyncio.sleep(0.01)
    started = time.monotonic()
    assert (await client.post("/webhooks/webform", data=b"{}")).status == 200
    assert 0.35 <= time.monotonic() - started < 1.5
    assert log[-1] == "hook" and "scan:end" not in log
    release.set()
    await scan
    gate.close()


async def test_an_idle_gate_holds_nothing(setup: Any) -> None:
    client, gate, _release, log = setup
    started = time.monotonic()
    for _ in range(5):
        assert (await client.post("/webhooks/webform", data=b"{}")).status == 200
    assert log == ["hook"] * 5 and time.monotonic() - started < 0.5
    assert not gate.urgent()


async def test_a_busy_welcome_lane_holds_webhooks(redis_client: aioredis.Redis) -> None:
    gate, stop = PriorityGate(max_wait=5.0), asyncio.Event()
    watcher = asyncio.create_task(priority_gate.watch_welcomes(gate, redis_client, stop))
    await asyncio.sleep(0.15)
    assert await gate.admit() == 0.0  # no welcomes: straight through
    # A welcome worker takes a batch (any process): the busy flag is up for BUSY_MS.
    await welcome_lane.push(redis_client, [7])
    assert len(await welcome_lane.take(redis_client, 10, 0)) == 1
    await asyncio.sleep(priority_gate.POLL_SECONDS * 2)
    assert gate.urgent()
    waited = await gate.admit()
    # Released once the flag lapsed (BUSY_MS after the take), not at max_wait.
    assert 0.1 <= waited <= welcome_lane.BUSY_MS / 1000 + 0.5
    stop.set()
    await asyncio.wait_for(watcher, 2)
    gate.close()


async def test_an_add_with_a_welcome_code_holds_webhooks_at_the_edge(
    aiohttp_client: Any, settings: Any, crypto: Any
) -> None:
    from bot.app import create_app
    from scrm.infra import keys
    from tests.callbacks import add_contact_xml, event_xml, signed
    from tests.conftest import CORP_ID

    app = create_app(settings, run_sweeper=False)
    client = await aiohttp_client(app)
    gate = app[keys.GATE]
    url = f"/wecom/callback/{CORP_ID}"
    # Any other event (here a plain add without a welcome code) holds nothing.
    for plain in (
        event_xml(CORP_ID, Event="change_external_contact", ChangeType="del_external_contact"),
        add_contact_xml(CORP_ID, "zhangsan", "wmB", int(time.time())),
    ):
        params, body = signed(crypto, plain)
        assert (await client.post(url, params=params, data=body)).status == 200
        assert not gate.urgent()
    params, body = signed(
        crypto, add_contact_xml(CORP_ID, "zhangsan", "wmA", 1, WelcomeCode="W", State="s")
    )
    assert (await client.post(url, params=params, data=body)).status == 200
    assert gate.urgent()
    await asyncio.sleep(priority_gate.LINGER_SECONDS + 0.1)
    assert not gate.urgent()
