"""Fixtures that run the WeCom sandbox on a loopback port and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestServer

from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN
from wecom.client import WeComClient
from wecom.sandbox import SandboxConfig, SandboxCorp, SandboxStaff, create_sandbox_app

STAFF = [("zhangsan", "张三"), ("lisi", "李四"), ("wangwu", "王五")]


def sandbox_config(callback_url: str = "", **extra: Any) -> SandboxConfig:
    corp = SandboxCorp(
        corp_id=CORP_ID,
        secret=SECRET,
        token=TOKEN,
        aes_key=AES_KEY,
        callback_url=callback_url,
        staff=[SandboxStaff(userid=u, name=n) for u, n in STAFF],
    )
    # Tests of other areas track a 群发 at once; the 41063 window is tested where it matters.
    extra.setdefault("groupmsg_settle_seconds", 0.0)
    return SandboxConfig(corps=[corp], **extra)


class Sandbox:
    """A running sandbox plus helpers for its control API."""

    def __init__(self, server: TestServer, http: aiohttp.ClientSession) -> None:
        self.server = server
        self.http = http
        self.url = str(server.make_url("")).rstrip("/")

    async def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        async with self.http.post(f"{self.url}/sandbox/{path}", json=body or {}) as r:
            assert r.status == 200, await r.text()
            return await r.json()

    async def records(self, kind: str) -> list[dict[str, Any]]:
        async with self.http.get(f"{self.url}/sandbox/records", params={"kind": kind}) as r:
            return list((await r.json())["records"])


async def start_sandbox(config: SandboxConfig) -> tuple[TestServer, aiohttp.ClientSession]:
    server = TestServer(create_sandbox_app(config))
    await server.start_server()
    return server, aiohttp.ClientSession()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    server, http = await start_sandbox(sandbox_config())
    yield Sandbox(server, http)
    await http.close()
    await server.close()


def make_client(
    sandbox: Sandbox, redis: aioredis.Redis, secret: str = SECRET, **extra: Any
) -> WeComClient:
    options: dict[str, Any] = {"retry_base": 0.02, "timeout": 5.0, "agent_id": 1000002}
    options.update(extra)
    return WeComClient(
        CORP_ID, secret, session=sandbox.http, redis=redis, api_base=sandbox.url, **options
    )


@pytest.fixture
async def wecom(sandbox: Sandbox, redis_client: aioredis.Redis) -> WeComClient:
    return make_client(sandbox, redis_client)
