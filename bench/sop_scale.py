"""Benchmark: group SOP at scale — materialisation time, firing lateness, duplicates, misses.

Run:  .venv/bin/python bench/sop_scale.py [--groups 10000] [--steps 5] [--owners 100]
                                           [--customers 100000] [--spread 0]
                                           [--workers 1] [--api-latency-ms 0]

A fresh PostgreSQL database gets N customer groups (COPY) spread over the owners; a plan with
`--steps` steps due on the next whole minutes (Asia/Shanghai) targets them all. The plan is
materialised (timed), then `--workers` `scrm-bot worker` processes (their per-second SOP
scan, one at a time across workers) fire against the sandbox, whose every answer waits
`--api-latency-ms`. Lateness is fired_at − due_at per run; a duplicate is a WeCom task beyond
one per (owner, step); a miss is a run not fired five minutes after the last due time.
Then the customer-journey half (bench/sop_journeys.py, also runnable alone): `--customers` on
one journey, all due on the same minute (`--customers 0` skips it), walked by `--workers`
workers sharing the journey lanes.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _report  # noqa: E402
from bench._procs import flush_redis, free_port, start_sandbox  # noqa: E402
from bench.sop_journeys import add_options, print_rows  # noqa: E402
from bench.welcome_burst import bot_env, fresh_pg  # noqa: E402
from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN  # noqa: E402


async def seed(url: str, chats: list[tuple[str, str]]) -> None:
    """Our mirror of the sandbox's groups (the bot would learn them from callbacks)."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    now = datetime.now(UTC)
    base = int(await conn.fetchval("SELECT COALESCE(MAX(id), 0) + 1 FROM group_chat"))
    rows = [
        (base + i, 1, chat_id, f"VIP群{i}", owner, "", "active", "", 10, "[]", "[]", now, now)
        for i, (chat_id, owner) in enumerate(chats)
    ]
    await conn.copy_records_to_table(
        "group_chat",
        records=rows,
        columns=[
            "id",
            "corp_id",
            "chat_id",
            "name",
            "owner_userid",
            "notice",
            "status",
            "member_version",
            "member_count",
            "tags",
            "admins",
            "created_at",
            "updated_at",
        ],
    )
    # COPY leaves the sequence behind: the service's own group rows come after these.
    await conn.execute(
        "SELECT setval(pg_get_serial_sequence('group_chat', 'id'), "
        "(SELECT MAX(id) FROM group_chat))"
    )
    await conn.close()


async def sandbox_groups(
    http: aiohttp.ClientSession, box: str, groups: int, owners: int, name: str = "VIP群"
) -> list[tuple[str, str]]:
    """Groups of u0…u{owners-1} in the sandbox (WeCom holds them): (chat id, owner) each."""
    chats: list[tuple[str, str]] = []
    for i in range(groups):
        owner = f"u{i % owners}"
        async with http.post(f"{box}/groups", json={"owner": owner, "name": f"{name}{i}"}) as r:
            chats.append(((await r.json())["chat_id"], owner))
    return chats


async def main() -> None:
    parser = _report.parser(__doc__)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=5)
    add_options(parser)  # --customers, --owners, --spread, --workers, --api-latency-ms
    args = _report.parse(parser, {"groups": 1000, "steps": 1, "owners": 20, "customers": 0})
    flush_redis(11)
    url = await fresh_pg("scrm_bench_sop")
    box_port = free_port()
    env = bot_env(url, f"http://127.0.0.1:{box_port}")
    sandbox = start_sandbox(
        box_port, CORP_ID, SECRET, TOKEN, AES_KEY, "", api_latency_ms=args.api_latency_ms
    )
    scrm = str(Path(sys.executable).parent / "scrm-bot")  # the venv running this benchmark
    subprocess.run([scrm, "migrate"], env=env, check=True, capture_output=True)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        box = f"http://127.0.0.1:{box_port}/sandbox"
        chats: list[tuple[str, str]] = []
        async with aiohttp.ClientSession() as http:
            for i in range(args.owners):  # the sandbox knows the owners as staff
                body = {"userid": f"u{i}", "name": f"员工{i}"}
                async with http.post(f"{box}/staff", json=body) as r:
                    await r.read()
            chats = await sandbox_groups(http, box, args.groups, args.owners)
        os.environ.update({k: v for k, v in env.items() if k.startswith("SCRM_")})
        from tortoise import Tortoise

        from bot.db import configure_vault, tortoise_config
        from scrm.infra.corps import bootstrap_corp
        from scrm.infra.settings import Settings
        from scrm.models import SopPlan, SopRun
        from scrm.sop import materialize

        configure_vault(Settings())
        await Tortoise.init(config=tortoise_config(url))
        await bootstrap_corp(Settings())
        await seed(url, chats)
        sh = ZoneInfo("Asia/Shanghai")
        first = (datetime.now(sh) + timedelta(minutes=1)).replace(second=0, microsecond=0)
        steps = [
            {
                "id": f"s{k}",
                "text": f"第{k + 1}步",
                "schedule": {
                    "kind": "dates",
                    "dates": [(first + timedelta(minutes=k)).date().isoformat()],
                    "at": (first + timedelta(minutes=k)).strftime("%H:%M"),
                },
            }
            for k in range(args.steps)
        ]
        plan = await SopPlan.create(
            corp_id=1,
            name="bench",
            target={"name_pattern": "VIP*"},
            steps=steps,
            starts_at=datetime.now(UTC),
        )
        t0 = time.perf_counter()
        planned = await materialize.materialize(plan)
        planning = time.perf_counter() - t0
        workers = [subprocess.Popen([scrm, "worker"], env=env) for _ in range(args.workers)]
        last_due = first + timedelta(minutes=args.steps - 1)
        while datetime.now(sh) < last_due + timedelta(seconds=30):
            await asyncio.sleep(1)
        deadline = time.time() + 240
        while (
            time.time() < deadline
            and await SopRun.filter(status__in=("planned", "firing")).count()
        ):
            await asyncio.sleep(1)
        runs = await SopRun.all().values("due_at", "fired_at", "status")
        late = sorted((r["fired_at"] - r["due_at"]).total_seconds() for r in runs if r["fired_at"])
        missed = sum(1 for r in runs if r["status"] in ("planned", "firing", "failed"))
        await Tortoise.close_connections()
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"http://127.0.0.1:{box_port}/sandbox/records", params={"kind": "mass_message"}
            ) as r,
        ):
            records = (await r.json())["records"]
        tasks = len(records)
        per_chat: dict[tuple[str, str], int] = {}
        for rec in records:
            for chat_ids in rec["data"]["targets"].values():
                for chat in chat_ids:
                    key = (chat, rec["data"]["text"])
                    per_chat[key] = per_chat.get(key, 0) + 1
        duplicates = sum(n - 1 for n in per_chat.values())
        for worker in workers:  # the journey half starts its own
            worker.terminate()
        for worker in workers:
            worker.wait()
        workers = []
        journey_rows: list[tuple[str, str]] = []
        journey_measures: list[_report.Measure] = []
        if args.customers:
            from bench.sop_journeys import run as run_journeys

            flush_redis(11)
            jurl = await fresh_pg("scrm_bench_journey")
            subprocess.run([scrm, "migrate"], env={**env, "SCRM_DATABASE_URL": jurl}, check=True)
            await Tortoise.init(config=tortoise_config(jurl))
            await bootstrap_corp(Settings(database_url=jurl))
            await Tortoise.close_connections()
            journey_rows, journey_measures = await run_journeys(
                jurl,
                box,
                scrm,
                {**env, "SCRM_DATABASE_URL": jurl},
                args.customers,
                args.owners,
                args.spread,
                args.workers,
            )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait()
        sandbox.terminate()
        sandbox.wait()
    expected = args.owners * args.steps
    print(
        f"\nsop_scale: {args.groups} groups × {args.steps} steps, {args.owners} owners, "
        f"PostgreSQL, {args.workers} worker(s)\n"
    )
    print("| measure | value |")
    print("|---|---:|")
    print(f"| runs materialised | {planned} |")
    print(f"| materialisation s | {planning:.2f} |")
    print(f"| firing lateness p50 s | {late[len(late) // 2]:.2f} |")
    print(f"| firing lateness p99 s | {late[int(len(late) * 0.99)]:.2f} |")
    print(f"| WeCom tasks / expected (one per owner and step) | {tasks} / {expected} |")
    print(f"| duplicate sends (a group messaged twice for one step) | {duplicates} |")
    print(f"| missed runs | {missed} |")
    _report.emit(
        args,
        "sop_scale",
        [
            _report.Measure("group SOP: firing lateness p99", late[int(len(late) * 0.99)], "s",
                            "< 2"),
            _report.Measure("group SOP: WeCom tasks over one per owner and step",
                            tasks - expected, "", "== 0"),
            _report.Measure("group SOP: duplicate sends", duplicates, "", "== 0"),
            _report.Measure("group SOP: missed runs", missed, "", "== 0"),
            *journey_measures,
        ],
    )  # fmt: skip
    if journey_rows:
        print_rows(args, journey_rows)


if __name__ == "__main__":
    asyncio.run(main())
