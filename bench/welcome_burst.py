"""Benchmark: a poster campaign — 1 000 scans in 10 s through the sandbox, end to end.

Run:  .venv/bin/python bench/welcome_burst.py [--scans 1000] [--seconds 10] [--runs 3]
                                              [--db sqlite|postgres|both]

Child processes on loopback: the WeCom sandbox (10 staff) and `scrm-bot up` (web + worker)
on a fresh SQLite file or PostgreSQL database. A round-robin live code gives each member a
daily quota of 90 (900 in all) and one backup member, so the last 100 customers must overflow.
Each scan opens the code's landing page (allocation), then scans that member's QR in the
sandbox, at a steady rate. Reports, per database (median of runs): welcomes sent inside
WeCom's 20 s window, p50/p99 scan→welcome latency, quota violations and lost customers.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _load, _report  # noqa: E402
from bench._procs import (  # noqa: E402
    flush_redis,
    free_port,
    pg_name,
    redis_url,
    start_sandbox,
    wait_port,
)
from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN  # noqa: E402

QUOTA, MEMBERS = 90, 10
ADMIN = "bench-admin-token"


async def fresh_pg(db: str) -> str:
    """Drop and create benchmark database `db` (SCRM_BENCH_PG_SUFFIX appended); its URL."""
    import asyncpg

    db = pg_name(db)
    conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{db}"')
    await conn.close()
    return f"postgres://postgres@127.0.0.1:5432/{db}"


def bot_env(database_url: str, api_base: str) -> dict[str, str]:
    return {
        **os.environ,
        "SCRM_DATABASE_URL": database_url,
        "SCRM_REDIS_URL": redis_url(11),
        "SCRM_SECRET_KEY": "bench-master-key-0123456789abcdef",
        "SCRM_WECOM_CORP_ID": CORP_ID,
        "SCRM_WECOM_TOKEN": TOKEN,
        "SCRM_WECOM_AES_KEY": AES_KEY,
        "SCRM_WECOM_SECRET": SECRET,
        "SCRM_WECOM_AGENT_ID": "1000002",
        "SCRM_WECOM_API_BASE": api_base,
        "SCRM_ADMIN_TOKEN": ADMIN,
        "SCRM_LOG_LEVEL": "WARNING",
    }


async def one_run(db: str, scans: int, seconds: float, args: Any) -> dict[str, float]:
    flush_redis(11)
    tmp = tempfile.mkdtemp()
    url = f"sqlite://{tmp}/bench.db" if db == "sqlite" else await fresh_pg("scrm_bench_burst")
    bot_port, box_port = free_port(), free_port()
    bot_url, box_url = f"http://127.0.0.1:{bot_port}", f"http://127.0.0.1:{box_port}"
    sandbox = start_sandbox(
        box_port, CORP_ID, SECRET, TOKEN, AES_KEY, f"{bot_url}/wecom/callback/{CORP_ID}"
    )
    env = bot_env(url, box_url)
    scrm = str(ROOT / ".venv/bin/scrm-bot")
    subprocess.run([scrm, "migrate"], env=env, cwd=tmp, check=True, capture_output=True)
    journey_at = None
    if args.with_load and args.load_journey and db == "postgres":
        journey_at = await _load.seed_journey(url, box_url, env, args.load_journey, MEMBERS)
    bot = subprocess.Popen([scrm, "up", "--port", str(bot_port)], env=env, cwd=tmp)
    try:
        wait_port(bot_port)
        load: asyncio.Task[float] | None = None
        if args.with_load:
            if journey_at is not None:  # the journey's sends fall due mid-burst
                await _load.wait_until(journey_at - timedelta(seconds=seconds / 2))
            load = asyncio.create_task(_load.lead_burst(bot_url, ADMIN, args.load_leads))
        out = await drive(bot_url, box_url, scans, seconds)
        if load is not None:
            out["lead_pushes_per_s"] = await load
        if journey_at is not None:
            out["journey_sends"] = await _load.journey_sends(url)
        out.update(await _load.breakdown(url, env["SCRM_REDIS_URL"]))
        return out
    finally:
        for proc in (bot, sandbox):
            proc.terminate()
            proc.wait()


async def drive(bot_url: str, box_url: str, scans: int, seconds: float) -> dict[str, float]:
    auth = {"Authorization": f"Bearer {ADMIN}"}
    members = [{"userid": f"u{i}", "daily_quota": QUOTA} for i in range(MEMBERS - 1)]
    members.append({"userid": f"u{MEMBERS - 1}", "backup": True})
    spec = {
        "name": "海报活动",
        "channel": "海报",
        "strategy": "round_robin",
        "members": members,
        "welcome_text": "{员工姓名}欢迎您！",
    }
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        async with http.post(f"{bot_url}/api/v1/livecodes", json=spec, headers=auth) as r:
            code = await r.json()
            assert r.status == 201, code
        started_at: dict[str, float] = {}
        chosen: list[str] = []

        async def one(i: int) -> None:
            t0 = time.time()
            async with http.get(f"{bot_url}/l/{code['id']}", params={"format": "json"}) as r:
                pick = await r.json()
            chosen.append(pick["userid"])
            body = {"config_id": pick["config_id"], "external_userid": f"wmBurst{i}"}
            async with http.post(f"{box_url}/sandbox/scan", json=body) as r:
                await r.read()
            started_at[f"wmBurst{i}"] = t0

        tasks, t_start = [], time.perf_counter()
        for i in range(scans):
            delay = t_start + i * seconds / scans - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        welcomes: dict[str, dict[str, Any]] = {}
        deadline = time.time() + 40
        while time.time() < deadline and len(welcomes) < scans:
            await asyncio.sleep(0.5)
            async with http.get(f"{box_url}/sandbox/records", params={"kind": "welcome"}) as r:
                welcomes = {w["data"]["external_userid"]: w for w in (await r.json())["records"]}
        # The adds are recorded by the inbox jobs, which run after the welcomes (decision
        # 0024): wait for them (a minute at most) before calling the missing ones lost.
        deadline = time.time() + 60
        while True:
            async with http.get(
                f"{bot_url}/api/v1/livecodes/{code['id']}/stats?days=1", headers=auth
            ) as r:
                stats = await r.json()
            if stats["days"][0]["adds"] >= scans or time.time() > deadline:
                break
            await asyncio.sleep(1)
    latency = sorted((w["at"] - started_at[e]) * 1000 for e, w in welcomes.items())
    counts = Counter(chosen)
    violations = sum(max(0, n - QUOTA) for u, n in counts.items() if u != f"u{MEMBERS - 1}")
    adds = stats["days"][0]["adds"]
    return {
        "within_20s_pct": 100 * sum(1 for x in latency if x <= 20_000) / scans,
        "p50_ms": latency[len(latency) // 2] if latency else float("nan"),
        "p99_ms": latency[int(len(latency) * 0.99)] if latency else float("nan"),
        "quota_violations": violations,
        "lost": scans - adds,
        "backup": counts[f"u{MEMBERS - 1}"],
    }


async def main() -> None:
    parser = _report.parser(__doc__)
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--with-load",
        action="store_true",
        help="a lead burst (and on PostgreSQL a journey burst) at the same time",
    )
    parser.add_argument("--load-leads", type=int, default=20_000, help="lead pushes beside")
    parser.add_argument("--load-journey", type=int, default=20_000, help="journey customers")
    args = _report.parse(parser, {"scans": 300, "seconds": 3.0, "runs": 1, "db": "postgres"})
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    rows = []
    for db in dbs:
        runs = [await one_run(db, args.scans, args.seconds, args) for _ in range(args.runs)]
        rows.append((db, {k: statistics.median(r[k] for r in runs) for k in runs[0]}))
    print(
        f"\nwelcome_burst: {args.scans} scans in {args.seconds:g} s, quota {QUOTA} × "
        f"{MEMBERS - 1} + 1 backup; median of {args.runs} runs\n"
    )
    print("| database | welcomed ≤ 20 s | p50 ms | p99 ms | quota violations | lost | to backup |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for db, m in rows:
        print(
            f"| {db} | {m['within_20s_pct']:.1f}% | {m['p50_ms']:.0f} | {m['p99_ms']:.0f} | "
            f"{m['quota_violations']:g} | {m['lost']:g} | {m['backup']:g} |"
        )
    print("\nWhere the time went (ms, p50 / p99), from the inbox rows and the lane's timings:\n")
    print("| database | edge→stored | stored→enqueued | lane wait | welcome run | welcome_ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for db, m in rows:
        cells = [
            f"{m[k + '_p50_ms']:.0f} / {m[k + '_p99_ms']:.0f}"
            for k in ("store", "to_queue", "queue_wait", "job")
        ]
        print(f"| {db} | {' | '.join(cells)} | {m['welcome_ms_p50']:.0f} / "
              f"{m['welcome_ms_p99']:.0f} |")  # fmt: skip
    if args.with_load:
        for db, m in rows:
            print(f"\n{db} load beside: lead pushes accepted/s {m['lead_pushes_per_s']:.0f}; "
                  f"journey sends logged {m.get('journey_sends', 0):.0f}")  # fmt: skip
    # The targets: p99 < 500 ms on a quiet machine, < 2 s with bulk work beside it.
    bound = "< 2000" if args.with_load else "< 500"
    tag = " (with load)" if args.with_load else ""
    measures = []
    for db, m in rows:
        measures += [
            _report.Measure(f"{db}: welcomed ≤ 20 s", m["within_20s_pct"], "%", ">= 100"),
            _report.Measure(f"{db}: scan→welcome p50{tag}", m["p50_ms"], "ms"),
            _report.Measure(f"{db}: scan→welcome p99{tag}", m["p99_ms"], "ms", bound),
            _report.Measure(
                f"{db}: edge→welcome (welcome_ms) p99{tag}", m["welcome_ms_p99"], "ms"
            ),
            _report.Measure(f"{db}: quota violations", m["quota_violations"], "", "== 0"),
            _report.Measure(f"{db}: lost customers", m["lost"], "", "== 0"),
        ]
    _report.emit(args, "welcome_burst", measures)


if __name__ == "__main__":
    asyncio.run(main())
