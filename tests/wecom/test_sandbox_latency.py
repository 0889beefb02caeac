"""`api_latency_ms` holds every WeCom API answer (gettoken too) so benchmarks can model the
distance to real WeCom; the control API and the default stay immediate."""

from __future__ import annotations

import time

from tests.conftest import CORP_ID, SECRET
from tests.wecom.sandbox_fixtures import Sandbox, sandbox_config, start_sandbox


async def _timed_token(box: Sandbox) -> float:
    started = time.perf_counter()
    params = {"corpid": CORP_ID, "corpsecret": SECRET}
    async with box.http.get(f"{box.url}/cgi-bin/gettoken", params=params) as r:
        assert (await r.json())["errcode"] == 0
    return time.perf_counter() - started


async def test_every_api_answer_waits_the_configured_latency() -> None:
    server, http = await start_sandbox(sandbox_config(api_latency_ms=150))
    box = Sandbox(server, http)
    try:
        assert await _timed_token(box) >= 0.15
        started = time.perf_counter()
        bad = {"access_token": "x"}
        async with http.get(f"{box.url}/cgi-bin/user/simplelist", params=bad) as r:
            assert (await r.json())["errcode"] == 40014  # refusals are as far away
        assert time.perf_counter() - started >= 0.15
        started = time.perf_counter()
        await box.control("settings", {"api_latency_ms": 0})  # control calls: no latency
        assert time.perf_counter() - started < 0.15
        assert await _timed_token(box) < 0.15  # switched off at run time
        async with http.post(f"{box.url}/sandbox/settings", json={"api_latency_ms": -1}) as r:
            assert r.status == 400
    finally:
        await http.close()
        await server.close()


async def test_no_latency_by_default() -> None:
    assert sandbox_config().api_latency_ms == 0
