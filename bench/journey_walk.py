"""Benchmark: the journey engine alone — N customers due now, walked in this process.

Run:  .venv/bin/python bench/journey_walk.py [--customers 50000] [--owners 10] [--live]

A fresh PostgreSQL database and a sandbox get N friends (as bench/sop_journeys.py seeds
them) on the journey `send → wait 1 min → send → exit`, every first send due at the end
of the current minute (its send window). One call of the engine's `run_due`, as of then,
walks them (the send, then the wait, which ends there) with no
worker, cron or other job beside it; the table says how long, and where the time went.

`--live` runs the live scanner instead (`journey_scanner.run_live`, as the cron does): the
first sends are due at the end of the next minute that is at least 20 s away; the scanner
claims and screens them ahead, walks them when due, and the table gives the send lateness
(log time − due time) of the first send for every customer.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _report  # noqa: E402
from bench._procs import flush_redis, free_port, start_sandbox  # noqa: E402
from bench.sop_journeys import seed_db, seed_sandbox  # noqa: E402
from bench.welcome_burst import bot_env, fresh_pg  # noqa: E402
from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN  # noqa: E402

PHASES = (
    "claim (UPDATE … RETURNING)",
    "friend check",
    "cap counts",
    "WeCom add_msg_template",
    "log inserts (COPY)",
    "moves (UPDATE)",
)


def time_calls(spent: dict[str, float]) -> None:
    """Wrap the engine's phases so each adds its wall time to `spent`."""
    from scrm.sop import journey_batch, journey_facts, journeys
    from wecom.client import WeComClient

    owners: list[Any] = [
        journeys,
        journey_facts,
        journey_facts,
        WeComClient,
        journey_batch,
        journey_batch,
    ]
    names = ["claim_rows", "friends", "sent_counts", "add_msg_template", "_flush_logs",
             "_apply_moves"]  # fmt: skip
    for owner, name, label in zip(owners, names, PHASES, strict=True):
        inner = getattr(owner, name)

        async def timed(*a: Any, _inner: Any = inner, _label: str = label, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await _inner(*a, **k)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - t0

        setattr(owner, name, timed)


async def lateness() -> list[float]:
    """Seconds from each first send's due time to its log row (the WeCom task was made)."""
    from scrm.models import JourneyLog

    rows = await JourneyLog.filter(action="sent").values_list("created_at", "data")
    return sorted((at - datetime.fromisoformat(data["due"])).total_seconds() for at, data in rows)


async def main() -> None:
    parser = _report.parser(__doc__)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--owners", type=int, default=10)
    parser.add_argument("--live", action="store_true", help="the live scanner, ahead of time")
    args = _report.parse(parser, {"customers": 10_000})
    flush_redis(11)
    url = await fresh_pg("scrm_bench_walk")
    port = free_port()
    env = bot_env(url, f"http://127.0.0.1:{port}")
    box = start_sandbox(port, CORP_ID, SECRET, TOKEN, AES_KEY, "")
    subprocess.run([str(ROOT / ".venv/bin/scrm-bot"), "migrate"], env=env, check=True)
    os.environ.update({k: v for k, v in env.items() if k.startswith("SCRM_")})
    try:
        import redis.asyncio as aioredis
        from tortoise import Tortoise

        from bot.db import configure_vault, tortoise_config
        from scrm.infra.clients import WeComClients
        from scrm.infra.corps import bootstrap_corp
        from scrm.infra.settings import Settings
        from scrm.sop import journey_scanner, journeys
        from scrm.sop.journey_state import send_due

        async with aiohttp.ClientSession() as http:
            for i in range(args.owners):
                body = {"userid": f"u{i}", "name": f"员工{i}"}
                async with http.post(f"http://127.0.0.1:{port}/sandbox/staff", json=body) as r:
                    await r.read()
        configure_vault(Settings())
        await Tortoise.init(config=tortoise_config(url))
        await bootstrap_corp(Settings())
        pairs = await seed_sandbox(f"http://127.0.0.1:{port}/sandbox", args.customers, args.owners)
        first_due = datetime.now(UTC) + timedelta(seconds=20 if args.live else 0)
        await seed_db(url, pairs, args.owners, first_due)
        spent: dict[str, float] = {}
        time_calls(spent)
        async with aiohttp.ClientSession() as session:
            redis = aioredis.from_url(env["SCRM_REDIS_URL"])
            clients = WeComClients(Settings(), session, redis)
            t0 = time.perf_counter()
            if args.live:
                counts = await journey_scanner.run_live(
                    clients.for_corp, budget_s=1.0, lookahead=timedelta(seconds=90)
                )
                late = await lateness()
            else:
                # Sends are due at the end of their one-minute window: walk as of then.
                at = send_due(datetime.now(UTC), 1) + timedelta(seconds=1)
                counts = await journeys.run_due(clients.for_corp, at, budget_s=600)
            total = time.perf_counter() - t0
            await redis.aclose()
        await Tortoise.close_connections()
    finally:
        box.terminate()
        box.wait()
    if counts.get("sent", 0) != args.customers:
        raise SystemExit(f"expected {args.customers} sends, the engine reported {counts}")
    print(f"\njourney_walk: {args.customers} customers, {args.owners} owners, PostgreSQL\n")
    print("| measure | value |")
    print("|---|---:|")
    print(f"| outcomes | {counts} |")
    if args.live:
        print(f"| send lateness p50 s | {late[len(late) // 2]:.2f} |")
        print(f"| send lateness p99 s | {late[int(len(late) * 0.99)]:.2f} |")
        print(f"| send lateness max s | {late[-1]:.2f} |")
    else:
        print(f"| run_due s (send + wait for everyone) | {total:.2f} |")
        print(f"| customers per second | {args.customers / total:,.0f} |")
    for label in PHASES:
        print(f"| … {label} s | {spent.get(label, 0.0):.2f} |")
    if args.live:
        measures = [_report.Measure("live scanner: send lateness p99", late[int(len(late) * 0.99)],
                                    "s", "< 2")]  # fmt: skip
    else:
        measures = [_report.Measure("run_due: customers walked/s", args.customers / total, "/s")]
    _report.emit(args, "journey_walk", measures)


if __name__ == "__main__":
    asyncio.run(main())
