"""Fault benchmark: what a lost Redis, a SIGKILLed bot or a SIGTERM costs each intake edge.

Run:  .venv/bin/python bench/fault_intake.py [--target wecom|leads|both]
          [--fault redis|sigkill|sigterm|all] [--db sqlite|postgres] [--events 1500]
          [--rate 150] [--redis-port 6391] [--outage 10]

`scrm-bot up` (a child process) with its OWN redis-server on `--redis-port` (no persistence,
so a restart comes back empty: the queue and every job id are gone, the worst case). Events go
out open-loop at `--rate`/s; a third of the way in, the fault:
- redis: redis-server is SIGKILLed and started again `--outage` seconds later;
- sigkill: the bot is SIGKILLed and started again 2 s later;
- sigterm: the bot gets SIGTERM, exits, and is started again.
A sender that gets no 200 retries 3 times (1, 2, 4 s), as WeCom and the platforms do.
WeCom events are signed `del_follow_user` callbacks (handled locally, no WeCom call); lead
events are signed web-form pushes, one person each. Counted at the end, once nothing is left
pending (or after `--settle` s): acked (a 200 on some try), stored, processed, duplicated
(stored or processed twice), and the seconds from the last send until all was processed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import signal
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
from bench._cluster_parts import post_retrying  # noqa: E402
from bench._procs import free_port, wait_port  # noqa: E402
from bench.welcome_burst import bot_env, fresh_pg  # noqa: E402
from tests.callbacks import event_xml, signed  # noqa: E402
from tests.conftest import AES_KEY, CORP_ID, TOKEN  # noqa: E402
from wecom.crypto import WeComCrypto  # noqa: E402

FORM_SECRET = "fault-form-secret"
SCRM = str(ROOT / ".venv/bin/scrm-bot")


class Redis:
    """Our own redis-server: killed with SIGKILL, never the shared one."""

    def __init__(self, port: int) -> None:
        self.port, self.proc = port, None

    def start(self) -> None:
        cmd = ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)  # type: ignore[assignment]
        wait_port(self.port)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None


class Bot:
    def __init__(self, env: dict[str, str], cwd: str, port: int) -> None:
        self.env, self.cwd, self.port, self.proc = env, cwd, port, None

    def start(self) -> None:
        log = open(Path(self.cwd) / "bot.log", "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(  # type: ignore[assignment]
            [SCRM, "up", "--port", str(self.port)],
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_port(self.port, 60)

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)
        self.proc.wait(timeout=60)
        self.proc = None


def wecom_request(crypto: WeComCrypto, i: int, t0: int) -> tuple[str, dict[str, str], bytes]:
    plain = event_xml(
        CORP_ID, t0, Event="change_external_contact", ChangeType="del_follow_user",
        UserID=f"u{i % 10}", ExternalUserID=f"wmFault{i}",
    )  # fmt: skip
    params, body = signed(crypto, plain, t0)
    return f"/wecom/callback/{CORP_ID}", params, body


def lead_request(i: int) -> tuple[str, dict[str, str], bytes]:
    raw = json.dumps({"name": f"客户{i}", "phone": f"139{i:08d}"}).encode()
    sig = hmac.new(FORM_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return "/webhooks/form?key=fault", {"X-Signature": sig, "X-Request-Id": f"r{i}"}, raw


async def send(http: aiohttp.ClientSession, base: str, req: Any, target: str) -> bool:
    """One push or callback, retried as the platforms and WeCom do."""
    path, extra, body = req
    where = {"params": extra} if target == "wecom" else {"headers": extra}
    return await post_retrying(http, base + path, data=body, **where)


async def fault_at(fault: str, bot: Bot, redis: Redis, outage: float) -> None:
    if fault == "redis":
        redis.kill()
        await asyncio.sleep(outage)
        redis.start()
    elif fault == "sigkill":
        bot.signal(signal.SIGKILL)
        await asyncio.sleep(2)
        bot.start()
    else:
        await asyncio.to_thread(bot.signal, signal.SIGTERM)
        bot.start()


async def stored_ids(db: str, target: str) -> set[int]:
    """The event numbers that are in the database (to find acked-but-lost ones)."""
    from tortoise import Tortoise

    from bot.db import tortoise_config

    await Tortoise.init(config=tortoise_config(db))
    conn = Tortoise.get_connection("default")
    try:
        if target == "wecom":
            rows = await conn.execute_query_dict("SELECT payload AS v FROM inbox")
            return {int(r["v"].split("wmFault")[1].split("]")[0]) for r in rows}
        rows = await conn.execute_query_dict("SELECT message_id AS v FROM lead_event")
        return {int(r["v"][1:]) for r in rows}
    finally:
        await Tortoise.close_connections()


async def counts(db: str, target: str) -> dict[str, int]:
    from tortoise import Tortoise

    from bot.db import tortoise_config

    await Tortoise.init(config=tortoise_config(db))
    conn = Tortoise.get_connection("default")

    async def one(sql: str) -> int:
        return int((await conn.execute_query_dict(sql))[0]["n"])

    try:
        if target == "wecom":
            return {
                "stored": await one("SELECT COUNT(*) AS n FROM inbox"),
                "processed": await one("SELECT COUNT(*) AS n FROM inbox WHERE status='handled'"),
                "left": await one("SELECT COUNT(*) AS n FROM inbox WHERE status<>'handled'"),
                "reruns": await one("SELECT COUNT(*) AS n FROM inbox WHERE attempts>0"),
                "duplicated": await one(
                    "SELECT COUNT(*) - COUNT(DISTINCT customer_id) AS n FROM follow_relation"
                ),
            }
        return {
            "stored": await one("SELECT COUNT(*) AS n FROM lead_event"),
            "processed": await one("SELECT COUNT(*) AS n FROM lead_event WHERE status='done'"),
            "left": await one("SELECT COUNT(*) AS n FROM lead_event WHERE status<>'done'"),
            "reruns": await one("SELECT COUNT(*) AS n FROM lead_event WHERE attempts>0"),
            # a person made twice, or a push merged twice (touches beyond pushes)
            "duplicated": await one(
                "SELECT COUNT(*) - COUNT(DISTINCT phone_index) + "
                "COALESCE(SUM(touches), 0) - COUNT(*) AS n FROM lead"
            ),
        }
    finally:
        await Tortoise.close_connections()


async def one_run(args: argparse.Namespace, target: str, fault: str) -> dict[str, float]:
    redis = Redis(args.redis_port)
    redis.start()
    tmp = tempfile.mkdtemp()
    db = f"sqlite://{tmp}/fault.db" if args.db == "sqlite" else await fresh_pg("scrm_bench_fault")
    env = bot_env(db, "http://127.0.0.1:1")
    env.update(
        SCRM_REDIS_URL=f"redis://127.0.0.1:{args.redis_port}/0",
        SCRM_INBOX_SWEEP_SECONDS="1",
        SCRM_ADMIN_TOKEN="fault-admin",
    )
    subprocess.run([SCRM, "migrate"], env=env, cwd=tmp, check=True, capture_output=True)
    bot = Bot(env, tmp, free_port())
    base = f"http://127.0.0.1:{bot.port}"
    bot.start()
    try:
        crypto = WeComCrypto(TOKEN, AES_KEY, CORP_ID)
        t0 = int(time.time())
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=5),
            connector=aiohttp.TCPConnector(limit=0),
        ) as http:
            if target == "leads":
                source = {"platform": "form", "key": "fault", "secret": FORM_SECRET}
                auth = {"Authorization": "Bearer fault-admin"}
                async with http.post(
                    f"{base}/api/v1/lead-sources", json=source, headers=auth
                ) as r:
                    assert r.status == 201, await r.text()
            reqs = [
                wecom_request(crypto, i, t0) if target == "wecom" else lead_request(i)
                for i in range(args.events)
            ]
            tasks, started = [], time.perf_counter()
            fault_task = None
            for i, req in enumerate(reqs):
                delay = started + i / args.rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if i == args.events // 3:
                    fault_task = asyncio.create_task(fault_at(fault, bot, redis, args.outage))
                tasks.append(asyncio.create_task(send(http, base, req, target)))
            results = await asyncio.gather(*tasks)
            acked_ids = {i for i, ok in enumerate(results) if ok}
            if fault_task is not None:
                await fault_task
        sent_done = time.perf_counter()
        deadline = time.time() + args.settle
        while True:
            out = await counts(db, target)
            if out["left"] == 0 or time.time() > deadline:
                break
            await asyncio.sleep(1)
        return {
            "sent": args.events,
            "acked": len(acked_ids),
            **out,
            "lost": len(acked_ids - await stored_ids(db, target)),
            "settle_s": round(time.perf_counter() - sent_done, 1),
        }
    finally:
        if bot.proc is not None:
            bot.signal(signal.SIGTERM)
        redis.kill()


async def main() -> None:
    parser = _report.parser(__doc__)
    parser.add_argument("--target", choices=["wecom", "leads", "both"], default="both")
    parser.add_argument("--fault", choices=["redis", "sigkill", "sigterm", "all"], default="all")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--events", type=int, default=1500)
    parser.add_argument("--rate", type=float, default=150.0)
    parser.add_argument("--redis-port", type=int, default=0, help="default: a free port")
    parser.add_argument("--outage", type=float, default=10.0)
    parser.add_argument("--settle", type=float, default=240.0, help="max wait for processing")
    args = _report.parse(
        parser, {"fault": "sigkill", "events": 300, "rate": 100.0, "settle": 120.0}
    )
    args.redis_port = args.redis_port or free_port()
    targets = ["wecom", "leads"] if args.target == "both" else [args.target]
    faults = ["redis", "sigkill", "sigterm"] if args.fault == "all" else [args.fault]
    cols = ["sent", "acked", "stored", "processed", "left", "reruns", "duplicated", "lost"]
    print(f"| edge | fault | {' | '.join(cols)} | settle s |")
    print("|---|---|" + "---:|" * (len(cols) + 1))
    measures = []
    for target in targets:
        for fault in faults:
            row = await one_run(args, target, fault)
            values = " | ".join(str(int(row[c])) for c in cols)
            print(f"| {target} | {fault} | {values} | {row['settle_s']} |", flush=True)
            measures += [
                _report.Measure(f"{target} edge, {fault}: lost", row["lost"], "", "== 0"),
                _report.Measure(
                    f"{target} edge, {fault}: duplicated", row["duplicated"], "", "== 0"
                ),
            ]
    _report.emit(args, "fault_intake", measures)


if __name__ == "__main__":
    os.environ.setdefault("SCRM_LOG_LEVEL", "WARNING")
    asyncio.run(main())
