"""Benchmark: CPU instructions per WeCom callback at the edge, counted by valgrind's callgrind.

Run:  .venv/bin/python bench/edge_instructions.py [--events 1000] [--db postgres|sqlite] [--quick]

Throughput on a shared 2-core machine moves ±30 % with whatever else runs; instructions do
not (the same count ±2 % run to run). `scrm-bot serve` (and the bare aiohttp "200 OK" server
of bench/callback_ingress.py, for scale) runs under `valgrind --tool=callgrind` with
instrumentation off; after start-up and 200 warm-up callbacks it is switched on for
`--events` signed, encrypted add_external_contact callbacks over 16 connections, then off.
Prints instructions per callback for each server and their ratio. Needs valgrind (Debian).
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _report  # noqa: E402
from bench import callback_ingress as ingress  # noqa: E402
from bench._procs import free_port, pg_name  # noqa: E402


def _ctl(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True)


async def count(target: str, cmd: list[str], env: dict[str, str], events: int) -> float:
    """Instructions per callback of the server `cmd` starts (its port is the last arg)."""
    out = f"/tmp/{pg_name('scrm-edge-cg')}-{target}.out"
    for old in glob.glob(out + "*"):
        os.unlink(old)
    valgrind = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
    ]
    proc = subprocess.Popen(
        valgrind + cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{cmd[-1]}/wecom/callback/{ingress.CORP_ID}"
    try:
        await ingress.wait_up(url, tries=1500, every=0.2)  # start-up under valgrind is slow
        base = int(time.time()) % 100_000 * 1000
        await ingress.closed_loop(url, ingress.make_requests(200, base + events), 8)
        _ctl("-i", "on", str(proc.pid))
        await ingress.closed_loop(url, ingress.make_requests(events, base), 16)
        _ctl("-i", "off", str(proc.pid))
        _ctl("-d", str(proc.pid))
    finally:
        proc.terminate()
        proc.wait(120)
    total = 0
    for dump in glob.glob(out + "*"):
        for line in Path(dump).read_text().splitlines():
            if line.startswith(("totals:", "summary:")):
                total = max(total, int(line.split()[1]))
        os.unlink(dump)
    return total / events


async def main() -> None:
    parser = _report.parser(__doc__)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    args = _report.parse(parser, {"events": 300})
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: apt-get install valgrind")
    if args.db == "postgres":
        database_url = f"postgres://postgres@127.0.0.1:5432/{pg_name('scrm_bench_edge')}"
        ingress.reset_databases(Path("/tmp/unused-edge.db"), database_url)
    else:
        path = Path(f"/tmp/{pg_name('scrm-bench-edge')}.db")
        path.unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    env = ingress.env_for(database_url)
    scrm = str(ROOT / ".venv/bin/scrm-bot")
    subprocess.run([scrm, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    python = str(ROOT / ".venv/bin/python")
    bare = await count("bare", [python, "-c", ingress.BARE, str(free_port())], env, args.events)
    edge = await count(
        "edge", [python, scrm, "serve", "--port", str(free_port())], env, args.events
    )
    loop = "asyncio" if env.get("SCRM_UVLOOP") == "0" else "uvloop"
    print(f"\nedge_instructions: {args.events} callbacks, {args.db}, serve on {loop}\n")
    print("| server | instructions per callback |")
    print("|---|---:|")
    print(f"| bare aiohttp 200 | {bare / 1000:,.0f} k |")
    print(f"| scrm-bot serve | {edge / 1000:,.0f} k |")
    print(f"| bare / serve | {bare / edge:.1%} |")
    _report.emit(
        args,
        "edge_instructions",
        [
            _report.Measure("bare aiohttp: instructions per callback", bare / 1000, "k"),
            _report.Measure(f"{args.db}: instructions per callback", edge / 1000, "k"),
            _report.Measure(f"{args.db}: bare / serve", 100 * bare / edge, "%"),
        ],
    )


if __name__ == "__main__":
    asyncio.run(main())
