"""Start `scrm-bot` commands as real processes for the cluster tests, on this branch's ports."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path

import aiohttp

from tests.conftest import AES_KEY, CORP_ID, REDIS_URL, SECRET, TOKEN

ROOT = Path(__file__).resolve().parents[2]
# Engineers share this machine; the cluster tests keep to their own port range.
PORT_RANGE = range(
    int(os.environ.get("SCRM_TEST_PORT_BASE", "20800")),
    int(os.environ.get("SCRM_TEST_PORT_BASE", "20800")) + 100,
)
_taken: set[int] = set()


def free_port() -> int:
    for port in PORT_RANGE:
        if port in _taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError(f"no free port in {PORT_RANGE}")


def bot_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SCRM_DATABASE_URL": database_url,
        "SCRM_REDIS_URL": REDIS_URL,
        "SCRM_SECRET_KEY": "test-master-key-0123456789abcdef",
        "SCRM_WECOM_CORP_ID": CORP_ID,
        "SCRM_WECOM_TOKEN": TOKEN,
        "SCRM_WECOM_AES_KEY": AES_KEY,
        "SCRM_WECOM_SECRET": SECRET,
        "SCRM_LOG_LEVEL": "WARNING",
        **extra,
    }


async def start(args: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=ROOT, env=env
    )


async def wait_http(url: str, timeout: float = 30) -> aiohttp.ClientResponse:
    """GET `url` until something answers; the answer (any status) is returned, read."""
    deadline = time.time() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url) as resp:
                    await resp.read()
                    return resp
            except aiohttp.ClientConnectionError:
                if time.time() > deadline:
                    raise
                await asyncio.sleep(0.1)
