"""Helpers for benchmarks: start the sandbox or a bare acking endpoint as child processes."""

from __future__ import annotations

import os
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
latency = float(sys.argv[7]) if len(sys.argv) > 7 else 0.0
config = SandboxConfig(corps=[corp], rate_per_minute=10_000_000, callback_retries=0,
                       api_latency_ms=latency)
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


# On a shared machine each engineer's benchmarks keep to their own Redis database, database
# names and ports: SCRM_BENCH_REDIS_DB=4 SCRM_BENCH_PG_SUFFIX=_perf SCRM_BENCH_PORTS=20400-20499.
_PORTS = os.environ.get("SCRM_BENCH_PORTS", "")
_next_port = int(_PORTS.split("-")[0]) if _PORTS else 0


def free_port() -> int:
    """A free loopback port: the next one of SCRM_BENCH_PORTS, else any the OS gives."""
    global _next_port
    if _PORTS:
        low, high = (int(x) for x in _PORTS.split("-"))
        for _ in range(high - low + 1):
            port, _next_port = _next_port, low + (_next_port + 1 - low) % (high - low + 1)
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise RuntimeError(f"no free port in {_PORTS}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_db(default: int) -> int:
    """The Redis database a benchmark flushes and uses (SCRM_BENCH_REDIS_DB overrides)."""
    return int(os.environ.get("SCRM_BENCH_REDIS_DB", default))


def redis_url(default: int) -> str:
    return f"redis://127.0.0.1:6379/{redis_db(default)}"


def flush_redis(default: int) -> None:
    subprocess.run(["redis-cli", "-n", str(redis_db(default)), "flushdb"], check=True,
                   capture_output=True)  # fmt: skip


def pg_name(base: str) -> str:
    """A benchmark's PostgreSQL database name (SCRM_BENCH_PG_SUFFIX appended)."""
    return base + os.environ.get("SCRM_BENCH_PG_SUFFIX", "")


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
    port: int,
    corp: str,
    secret: str,
    token: str,
    aes: str,
    callback: str,
    api_latency_ms: float = 0.0,
) -> subprocess.Popen[bytes]:
    """The sandbox as a child process; `api_latency_ms` holds every WeCom API answer (a model
    of the distance to real WeCom)."""
    proc = start(SANDBOX, str(port), corp, secret, token, aes, callback, str(api_latency_ms))
    wait_port(port)
    return proc


def start_bare(port: int) -> subprocess.Popen[bytes]:
    proc = start(BARE, str(port))
    wait_port(port)
    return proc
