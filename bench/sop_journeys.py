"""The customer-journey half of `bench/sop_scale.py`: N customers due on one journey at once.

Run:  .venv/bin/python bench/sop_journeys.py [--customers 100000] [--owners 100] [--spread 0]
                                              [--workers 1] [--api-latency-ms 0]
(journeys only), or through bench/sop_scale.py (after its group half, same options).

The sandbox holds N existing friendships (`POST /sandbox/friends`, no callbacks) over the
owners; PostgreSQL gets the same staff, customers and relations (COPY) and every customer on a
journey `send → wait 1 min → send → exit`, all due on the same second — the worst case — or,
with `--spread S`, entered evenly over S seconds (their sends then wait for the end of the
journey's one-minute send window, as enrolment does, and go out a window at a time).
`--workers N` `scrm-bot worker` processes walk them (their per-second journey scans share the
runs by lane, decision 0034); `--api-latency-ms` holds every sandbox answer that long (real
WeCom is tens to hundreds of ms away). Lateness is the send log's insert time − the node's due
time, for every send; the walk is a send node's first due time to its last send; a duplicate
is a customer messaged twice with one text (sandbox records); a miss is a customer without
both sends when the runs have settled; tasks per owner and window should be one each.
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
from bench._journey_measure import duplicates, lane_holders, pct, settle  # noqa: E402
from bench._journey_seed import seed_db, seed_sandbox  # noqa: E402

__all__ = ["add_options", "print_rows", "run", "seed_db", "seed_sandbox"]

Rows = list[tuple[str, str]]


async def run(
    url: str,
    box: str,
    scrm: str,
    env: dict[str, str],
    customers: int,
    owners: int,
    spread_s: float = 0,
    workers: int = 1,
) -> tuple[Rows, list[_report.Measure]]:
    """Seed, start `workers` worker processes, wait, measure; returns table rows and measures.
    `spread_s` > 0 spreads the first due times evenly over that many seconds (customers who
    entered over time)."""
    pairs = await seed_sandbox(box, customers, owners)
    due = (datetime.now(UTC) + timedelta(seconds=75)).replace(second=0, microsecond=0)
    t0 = time.perf_counter()
    await seed_db(url, pairs, owners, due, spread_s)
    seeding = time.perf_counter() - t0
    # Started well before the burst: each is counted live (heartbeat) before lanes are dealt.
    procs = [subprocess.Popen([scrm, "worker"], env=env) for _ in range(workers)]
    settled = asyncio.Event()
    watching = asyncio.create_task(lane_holders(env["SCRM_REDIS_URL"], settled))
    try:
        while datetime.now(UTC) < due:
            await asyncio.sleep(0.5)
        got = await settle(url, customers, deadline_s=600)
    finally:
        settled.set()
        holders = await watching
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait()
    tasks, dup = await duplicates(box)
    late = got["late"]
    walks = ", ".join(f"{node} {s:.2f}" for node, s in sorted(got["walk_s"].items()))
    measures = [
        _report.Measure("journey: send lateness p50", pct(late, 0.5), "s"),
        _report.Measure("journey: send lateness p99", pct(late, 0.99), "s", "< 2"),
        _report.Measure("journey: first send walked (due → last send)",
                        got["walk_s"].get("s1", float("nan")), "s"),
        _report.Measure("journey: owner windows with more than one task",
                        got["split_windows"], "", "== 0"),
        _report.Measure("journey: duplicate sends", dup, "", "== 0"),
        _report.Measure("journey: missed customers", got["missed"], "", "== 0"),
    ]  # fmt: skip
    rows = [
        (
            "customers on the journey (first sends due over)",
            f"{customers} ({spread_s:.0f} s)" if spread_s else f"{customers} (one second)",
        ),
        ("worker processes", f"{workers}"),
        (
            "s each worker held journey lanes (sampled)",
            " / ".join(f"{s:.1f}" for s in sorted(holders.values(), reverse=True)) or "-",
        ),
        ("seeding s (COPY, not the engine)", f"{seeding:.1f}"),
        ("sends logged / expected", f"{got['sends']} / {2 * customers}"),
        ("send lateness p50 s", f"{pct(late, 0.5):.2f}"),
        ("send lateness p99 s", f"{pct(late, 0.99):.2f}"),
        ("send lateness max s", f"{late[-1] if late else float('nan'):.2f}"),
        ("walk s per send node (first due → last send)", walks or "-"),
        ("WeCom tasks (ideal: one per owner and send)", f"{tasks} (ideal {2 * owners})"),
        (
            "tasks per owner and window: windows / split / max",
            f"{got['owner_windows']} / {got['split_windows']} / {got['max_tasks_per_window']}",
        ),
        ("duplicate sends (a customer messaged twice with one text)", f"{dup}"),
        ("missed customers (without both sends)", f"{got['missed']}"),
    ]
    return rows, measures


def add_options(parser: Any) -> None:
    """The options both entry points share (bench/sop_scale.py adds its group ones)."""
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--owners", type=int, default=100)
    parser.add_argument("--spread", type=float, default=0, help="journey due times over S s")
    parser.add_argument("--workers", type=int, default=1, help="scrm-bot worker processes")
    parser.add_argument(
        "--api-latency-ms", type=float, default=0, help="sandbox: every WeCom answer this late"
    )


async def main() -> None:
    from bench._procs import flush_redis, free_port, start_sandbox
    from bench.welcome_burst import bot_env, fresh_pg
    from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN

    parser = _report.parser(__doc__)
    add_options(parser)
    args = _report.parse(parser, {"customers": 2000, "owners": 20})
    flush_redis(11)
    url = await fresh_pg("scrm_bench_journey")
    box_port = free_port()
    env = bot_env(url, f"http://127.0.0.1:{box_port}")
    sandbox = start_sandbox(
        box_port, CORP_ID, SECRET, TOKEN, AES_KEY, "", api_latency_ms=args.api_latency_ms
    )
    scrm = str(Path(sys.executable).parent / "scrm-bot")
    try:
        subprocess.run([scrm, "migrate"], env=env, check=True, capture_output=True)
        rows, measures = await _journeys(
            url, env, scrm, f"http://127.0.0.1:{box_port}/sandbox", args
        )
    finally:
        sandbox.terminate()
        sandbox.wait()
    print_rows(args, rows)
    _report.emit(args, "sop_journeys", measures)


async def _journeys(
    url: str, env: dict[str, str], scrm: str, box: str, args: Any
) -> tuple[Rows, list[_report.Measure]]:
    """The owners as sandbox staff and the corp in the database, then the run."""
    from tortoise import Tortoise

    from bot.db import configure_vault, tortoise_config
    from scrm.infra.corps import bootstrap_corp
    from scrm.infra.settings import Settings

    async with aiohttp.ClientSession() as http:
        for i in range(args.owners):
            async with http.post(
                f"{box}/staff", json={"userid": f"u{i}", "name": f"员工{i}"}
            ) as r:
                await r.read()
    os.environ.update({k: v for k, v in env.items() if k.startswith("SCRM_")})
    settings = Settings()
    configure_vault(settings)
    await Tortoise.init(config=tortoise_config(url))
    await bootstrap_corp(settings)
    await Tortoise.close_connections()
    return await run(url, box, scrm, env, args.customers, args.owners, args.spread, args.workers)


def print_rows(args: Any, rows: Rows) -> None:
    latency = f", WeCom latency {args.api_latency_ms:g} ms" if args.api_latency_ms else ""
    print(
        f"\ncustomer journey: {args.customers} customers, {args.owners} owners, "
        f"{args.workers} worker(s){latency}\n"
    )
    print("| measure | value |")
    print("|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    asyncio.run(main())
