"""Benchmark: signed, encrypted add_external_contact callbacks against the real edge.

Run:  .venv/bin/python bench/callback_ingress.py [--events 4000] [--runs 3]

Starts `scrm-bot serve` (SQLite file, then PostgreSQL) and a bare aiohttp "200 OK" server
as separate processes on loopback, then drives each with pre-signed unique callbacks:
- closed loop (64 connections, as fast as acks come back) → sustained callbacks/s;
- open loop at a fixed 400/s → p50/p99 ack latency.
Prints a table of medians over --runs repetitions. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _report  # noqa: E402
from bench._procs import flush_redis, free_port, pg_name, redis_url  # noqa: E402
from tests.callbacks import add_contact_xml, signed  # noqa: E402
from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN  # noqa: E402
from wecom.crypto import WeComCrypto  # noqa: E402

BARE = """
from aiohttp import web
async def ok(request):
    await request.read()
    return web.Response(status=200)
app = web.Application()
app.router.add_post('/wecom/callback/{corp_id}', ok)
web.run_app(app, host='127.0.0.1', port=int(__import__('sys').argv[1]), access_log=None,
            print=None)
"""


def env_for(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "SCRM_DATABASE_URL": database_url,
        "SCRM_REDIS_URL": redis_url(12),
        "SCRM_SECRET_KEY": "bench-master-key-0123456789abcdef",
        "SCRM_WECOM_CORP_ID": CORP_ID,
        "SCRM_WECOM_TOKEN": TOKEN,
        "SCRM_WECOM_AES_KEY": AES_KEY,
        "SCRM_WECOM_SECRET": SECRET,
        "SCRM_LOG_LEVEL": "WARNING",
        "SCRM_INBOX_SWEEP_SECONDS": "3600",  # nothing to sweep; keep it off the measurement
    }


async def wait_up(url: str, tries: int = 200, every: float = 0.05) -> None:
    async with aiohttp.ClientSession() as s:
        for _ in range(tries):
            try:
                async with s.post(url, data=b"") as r:
                    await r.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(every)
    raise RuntimeError(f"server at {url} did not start")


def make_requests(n: int, offset: int) -> list[tuple[dict[str, str], bytes]]:
    crypto = WeComCrypto(TOKEN, AES_KEY, CORP_ID)
    now = int(time.time())
    return [
        signed(crypto, add_contact_xml(CORP_ID, f"staff{i % 50}", f"wmBench{offset + i}", now))
        for i in range(n)
    ]


async def closed_loop(url: str, reqs: list[tuple[dict[str, str], bytes]], conns: int) -> float:
    queue = list(reversed(reqs))
    ok = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal ok
        while queue:
            params, body = queue.pop()
            async with session.post(url, params=params, data=body) as r:
                await r.read()
                ok += r.status == 200

    connector = aiohttp.TCPConnector(limit=conns)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(conns)))
        elapsed = time.perf_counter() - started
    if ok != len(reqs):
        raise RuntimeError(f"only {ok}/{len(reqs)} callbacks acked")
    return ok / elapsed


async def open_loop(
    url: str, reqs: list[tuple[dict[str, str], bytes]], rate: float
) -> tuple[float, float]:
    latencies: list[float] = []

    async def one(session: aiohttp.ClientSession, params: dict[str, str], body: bytes) -> None:
        t0 = time.perf_counter()
        async with session.post(url, params=params, data=body) as r:
            await r.read()
            if r.status != 200:
                raise RuntimeError(f"status {r.status}")
        latencies.append(time.perf_counter() - t0)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.perf_counter()
        tasks = []
        for i, (params, body) in enumerate(reqs):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, params, body)))
        await asyncio.gather(*tasks)
    latencies.sort()
    return latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


async def measure(target: str, database_url: str | None, args: argparse.Namespace) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}/wecom/callback/{CORP_ID}"
    scrm = str(ROOT / ".venv/bin/scrm-bot")
    env = env_for(database_url or "sqlite:///tmp/unused.db")
    if database_url:
        subprocess.run([scrm, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        proc = start([scrm, "serve", "--port", str(port)], env)
    else:
        proc = start([sys.executable, "-c", BARE, str(port)], env)
    rates, p50s, p99s = [], [], []
    try:
        await wait_up(url)
        for run in range(args.runs):
            base = run * 10 * args.events
            rates.append(await closed_loop(url, make_requests(args.events, base), args.conns))
            p50, p99 = await open_loop(
                url, make_requests(args.latency_events, base + 5 * args.events), args.rate
            )
            p50s.append(p50)
            p99s.append(p99)
    finally:
        proc.terminate()
        proc.wait(10)
    return {
        "target": target,
        "rate": statistics.median(rates),
        "p50": statistics.median(p50s),
        "p99": statistics.median(p99s),
    }


def reset_databases(sqlite_path: Path, pg_url: str) -> None:
    sqlite_path.unlink(missing_ok=True)
    db = pg_url.rsplit("/", 1)[1]
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-q",
            "-c",
            f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)',
            "-c",
            f'CREATE DATABASE "{db}"',
        ],
        check=True,
        capture_output=True,
    )
    flush_redis(12)


async def main() -> None:
    parser = _report.parser(__doc__)
    parser.add_argument("--events", type=int, default=4000, help="closed-loop callbacks per run")
    parser.add_argument("--latency-events", type=int, default=2000, help="open-loop callbacks")
    parser.add_argument("--rate", type=float, default=400.0, help="open-loop rate per second")
    parser.add_argument("--conns", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    args = _report.parse(parser, {"events": 1500, "latency_events": 800, "runs": 1})
    sqlite_path = Path(f"/tmp/{pg_name('scrm-bench-ingress')}.db")
    pg_url = f"postgres://postgres@127.0.0.1:5432/{pg_name('scrm_bench')}"
    reset_databases(sqlite_path, pg_url)
    results = [
        await measure("bare aiohttp 200", None, args),
        await measure("scrm edge, SQLite", f"sqlite://{sqlite_path}", args),
        await measure("scrm edge, PostgreSQL", pg_url, args),
    ]
    ceiling = results[0]["rate"]
    print(
        f"\ncallback_ingress: {args.events} closed-loop callbacks x {args.runs} runs "
        f"({args.conns} conns); latency at {args.rate:.0f}/s open loop; medians"
    )
    print(
        f"| target | acked/s | % of bare | p50 ms @{args.rate:.0f}/s | p99 ms @{args.rate:.0f}/s |"
    )
    print("|---|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['target']} | {r['rate']:.0f} | {100 * r['rate'] / ceiling:.0f}% | "
            f"{r['p50']:.1f} | {r['p99']:.1f} |"
        )
    flush_redis(12)
    measures = [_report.Measure("bare aiohttp acked/s", ceiling, "/s")]
    for r, db in zip(results[1:], ("sqlite", "postgres"), strict=True):
        measures += [
            _report.Measure(f"{db}: acked/s", r["rate"], "/s"),
            _report.Measure(f"{db}: share of bare", 100 * r["rate"] / ceiling, "%", ">= 40"),
            _report.Measure(f"{db}: p99 at {args.rate:.0f}/s", r["p99"], "ms", "< 20"),
        ]
    _report.emit(args, "callback_ingress", measures)


if __name__ == "__main__":
    asyncio.run(main())
