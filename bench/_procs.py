"""Helpers for benchmarks: start the sandbox or a bare acking endpoint as child processes."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SANDBOX = """
import asyncio, sys, logging
from wecom.sandbox import SandboxConfig, SandboxCorp, SandboxStaff, run_sandbox
logging.disable(logging.WARNING)
staff = [SandboxStaff(userid=f"u{i}", name=f"员工{i}") for i in range(10)]
corp = SandboxCorp(corp_id=sys.argv[2], secret=sys.argv[3], token=sys.argv[4],
                   aes_key=sys.argv[5], callback_url=sys.argv[6], staff=staff)
config = SandboxConfig(corps=[corp], rate_per_minute=10_000_000, callback_retries=0)
asyncio.run(run_sandbox(config, "127.0.0.1", int(sys.argv[1])))
"""

BARE = """
import sys
from aiohttp import web
async def ok(request):
    await request.read()
    return web.Response(status=200)
app = web.Application()
app.router.add_post('/{tail:.*}', ok)
web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), access_log=None, print=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def start(code: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT)


def start_sandbox(
    port: int, corp: str, secret: str, token: str, aes: str, callback: str
) -> subprocess.Popen[bytes]:
    proc = start(SANDBOX, str(port), corp, secret, token, aes, callback)
    wait_port(port)
    return proc


def start_bare(port: int) -> subprocess.Popen[bytes]:
    proc = start(BARE, str(port))
    wait_port(port)
    return proc
