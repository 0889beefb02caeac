"""Benchmark: a corp's first full sync, and a second one with nothing changed.

Run:  .venv/bin/python bench/corp_sync.py [--members 100] [--customers 2000] [--groups 2000]
                                          [--group-size 20] [--db postgres|sqlite]

The sandbox (its own process, WeCom's default rate limits: 10 000 calls per API per minute)
holds a pre-existing world made by `POST /sandbox/world`: `--members` members with
`--customers` customers each (a tenth also followed by a second member) and `--groups` groups.
A fresh database is migrated, then `scrm-bot sync` runs twice as a child process. Reported:
wall time, API calls made against the fewest the paging rules allow, rows written (the run's
own count) per second, the child's peak RSS, and the second run's time and rows written.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _report  # noqa: E402
from bench._procs import free_port, redis_url, start, wait_port  # noqa: E402
from bench.welcome_burst import bot_env, fresh_pg  # noqa: E402
from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN  # noqa: E402

SCRM_BOT = str(ROOT / ".venv" / "bin" / "scrm-bot")
# The sandbox with WeCom's default limits (SandboxConfig defaults) and no member yet.
SANDBOX = """
import asyncio, sys, logging
from wecom.sandbox import SandboxConfig, SandboxCorp, run_sandbox
logging.disable(logging.WARNING)
corp = SandboxCorp(corp_id=sys.argv[2], secret=sys.argv[3], token=sys.argv[4],
                   aes_key=sys.argv[5], staff=[])
asyncio.run(run_sandbox(SandboxConfig(corps=[corp]), "127.0.0.1", int(sys.argv[1])))
"""
SYNC_APIS = (
    "externalcontact/batch/get_by_user",
    "externalcontact/groupchat/list",
    "externalcontact/groupchat/get",
    "externalcontact/get_corp_tag_list",
)


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, output) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{output[-2000:]}")
    return wall, usage.ru_maxrss // 1024, output  # ru_maxrss is in KiB on Linux


async def calls(http: aiohttp.ClientSession, box: str) -> dict[str, int]:
    async with http.get(f"{box}/sandbox/stats") as r:
        return dict((await r.json())["calls"])


async def last_run(url: str) -> dict[str, Any]:
    """The newest sync_run row, read straight from the database."""
    if url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://")) as conn:
            row = conn.execute(
                "SELECT rows_written, api_calls, duration_ms, status FROM sync_run "
                "ORDER BY id DESC LIMIT 1"
            ).fetchone()
    else:
        import asyncpg

        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
        row = await conn.fetchrow(
            "SELECT rows_written, api_calls, duration_ms, status FROM sync_run "
            "ORDER BY id DESC LIMIT 1"
        )
        await conn.close()
    return dict(zip(("rows_written", "api_calls", "duration_ms", "status"), row, strict=True))


def fewest_calls(relations: int, groups: int) -> dict[str, int]:
    """What the paging rules allow at best: 100 relations a batch page, 1 000 groups a list
    page, one groupchat/get per group, one tag list."""
    return {
        "externalcontact/batch/get_by_user": math.ceil(relations / 100),
        "externalcontact/groupchat/list": max(1, math.ceil(groups / 1000)),
        "externalcontact/groupchat/get": groups,
        "externalcontact/get_corp_tag_list": 1,
    }


async def main(args: argparse.Namespace) -> None:
    box_port = free_port()
    box = f"http://127.0.0.1:{box_port}"
    sandbox = start(SANDBOX, str(box_port), CORP_ID, SECRET, TOKEN, AES_KEY)
    wait_port(box_port)
    tmp = tempfile.mkdtemp()
    url = f"sqlite://{tmp}/bench.db" if args.db == "sqlite" else await fresh_pg("scrm_bench_sync")
    env = {**bot_env(url, box), "SCRM_REDIS_URL": args.redis}
    subprocess.run(["redis-cli", "-u", args.redis, "flushdb"], check=True, capture_output=True)
    try:
        async with aiohttp.ClientSession() as http:
            world = {
                "seed": 1,
                "members": args.members,
                "customers_per_member": args.customers,
                "groups": args.groups,
                "group_size": args.group_size,
            }
            async with http.post(f"{box}/sandbox/world", json=world) as r:
                made = await r.json()
                assert r.status == 200, made
            subprocess.run([SCRM_BOT, "migrate"], env=env, check=True, capture_output=True)
            before = await calls(http, box)
            wall, rss, _ = run_child([SCRM_BOT, "sync"], env)
            first = await last_run(url)
            after = await calls(http, box)
            again_wall, again_rss, _ = run_child([SCRM_BOT, "sync"], env)
            second = await last_run(url)
        made_calls = {api: after.get(api, 0) - before.get(api, 0) for api in SYNC_APIS}
        least = fewest_calls(made["relations"], made["groups"])
        total_calls = sum(after.values()) - sum(before.values())
        rows = first["rows_written"]
        print(
            f"\nworld: {made['members']} members, {made['customers']} customers, "
            f"{made['relations']} relations, {made['groups']} groups, "
            f"{made['group_members']} group members ({made['elapsed_ms']} ms to seed)"
        )
        print("\n| measure | value |\n|---|---:|")
        print(f"| full sync wall time s | {wall:.1f} |")
        print(f"| full sync status | {first['status']} |")
        print(f"| API calls made (all) | {total_calls} |")
        for api in SYNC_APIS:
            print(f"| {api}: made / fewest | {made_calls[api]} / {least[api]} |")
        print(f"| rows written | {rows} |")
        print(f"| rows written per s | {rows / wall:.0f} |")
        print(f"| peak RSS of the syncing process MB | {rss} |")
        print(f"| second sync wall time s | {again_wall:.1f} |")
        print(f"| second sync rows written | {second['rows_written']} |")
        share = 100 * second["rows_written"] / max(rows, 1)
        print(f"| second sync rows / first | {share:.3f} % |")
        print(f"| second sync peak RSS MB | {again_rss} |")
        full = args.members * args.customers >= 200_000  # the 10-minute target's size
        _report.emit(
            args,
            "corp_sync",
            [
                _report.Measure("full sync wall time", wall, "s", "< 600", not full),
                _report.Measure("peak RSS of the syncing process", rss, "MB", "< 500"),
                _report.Measure("second sync rows written / first", share, "%", "< 1"),
            ],
        )
    finally:
        sandbox.terminate()
        sandbox.wait()


if __name__ == "__main__":
    parser = _report.parser(__doc__)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--customers", type=int, default=2000, help="per member")
    parser.add_argument("--groups", type=int, default=2000)
    parser.add_argument("--group-size", type=int, default=20)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--redis", default=redis_url(11))
    quick = {"members": 10, "customers": 100, "groups": 100, "group_size": 10}
    asyncio.run(main(_report.parse(parser, quick)))
