"""Operations of separate processes: the worker's probe port, the web's drain on SIGTERM."""

from __future__ import annotations

import asyncio
import signal

import aiohttp
import pytest

from scrm.infra.settings import Settings
from tests.cluster.procs import bot_env, free_port, start, wait_http


@pytest.mark.timeout(90)
async def test_worker_answers_healthz_and_metrics_with_its_role(db: Settings) -> None:
    port = free_port()
    env = bot_env(db.database_url, SCRM_WORKER_METRICS_PORT=str(port))
    proc = await start(["worker"], env)
    try:
        resp = await wait_http(f"http://127.0.0.1:{port}/healthz")
        assert resp.status == 200
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                assert await r.json() == {"status": "ok", "db": "ok", "redis": "ok"}
            async with http.get(f"http://127.0.0.1:{port}/metrics") as r:
                text = await r.text()
        assert 'scrm_process_info{role="worker"} 1.0' in text
        assert "scrm_inbox_backlog" in text  # the backlog gauge is filled from the database
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 40) == 0


@pytest.mark.timeout(90)
async def test_serve_drains_before_it_stops_accepting(db: Settings) -> None:
    port = free_port()
    env = bot_env(db.database_url, SCRM_WEB_DRAIN_SECONDS="3")
    proc = await start(["serve", "--port", str(port)], env)
    base = f"http://127.0.0.1:{port}"
    try:
        assert (await wait_http(f"{base}/healthz")).status == 200
        proc.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 503  # the balancer's probe sees it leaving …
                assert (await r.json())["status"] == "draining"
            async with http.get(f"{base}/metrics") as r:
                assert r.status == 200  # … while requests still sent to it are served
                assert 'scrm_process_info{role="web"} 1.0' in await r.text()
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
