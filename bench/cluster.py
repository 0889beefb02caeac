"""Cluster harness: 2 `serve`, 3 `worker`, the sandbox, PostgreSQL and its own Redis, as processes.

Run:  .venv/bin/python bench/cluster.py [--scans 300] [--leads 600] [--rate 60] [--port-base 20800]

A poster burst (scan → welcome) and a lead burst (signed web-form pushes, every fifth one a
person already pushed) go out at once over both web processes. A third of the way in one
worker is SIGKILLed and started again 2 s later; at two thirds the harness's own
redis-server (never a shared one; no persistence, so the queue is lost) is killed and
started again. Then it counts: welcomes per customer and their latency, leads per person and
merged touches, inbox and lead-event rows left, live-code quota overruns. PostgreSQL only:
SQLite is one file for one host. tests/cluster/test_cluster_harness.py runs it small.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _report  # noqa: E402
from bench._procs import start_sandbox, wait_port  # noqa: E402
from bench.fault_intake import Redis  # noqa: E402
from bench.welcome_burst import bot_env, fresh_pg  # noqa: E402
from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN  # noqa: E402

SCRM = str(ROOT / ".venv/bin/scrm-bot")
ADMIN = {"Authorization": "Bearer bench-admin-token"}
FORM_SECRET = "cluster-form-secret"
MEMBERS = 10


def quota_for(scans: int) -> int:
    """Members' daily quota: 60 % of the scans fit, the rest must overflow to the backup."""
    return max(1, scans * 6 // 10 // (MEMBERS - 1))


class Proc:
    """One scrm-bot process, restartable."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log, self.proc = args, env, log, None

    def start(self) -> None:
        out = open(self.log, "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(  # type: ignore[assignment]
            [SCRM, *self.args], env=self.env, stdout=out, stderr=subprocess.STDOUT
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=60)
            self.proc = None


def lead_push(i: int) -> tuple[dict[str, str], bytes, str]:
    person = i - 1 if i % 5 == 4 else i  # every fifth push repeats the person before it
    phone = f"137{person:08d}"
    # A different body each push: a repeat is a new event the intake must merge, not a retry.
    raw = json.dumps({"name": f"客户{person}", "phone": phone, "remark": f"第{i}次"}).encode()
    sig = hmac.new(FORM_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return {"X-Signature": sig, "X-Request-Id": f"c{i}"}, raw, phone


async def post_retrying(http: aiohttp.ClientSession, url: str, **kw: Any) -> bool:
    for wait in (0, 1, 2, 4):  # the first try, then 3 retries, as the platforms do
        await asyncio.sleep(wait)
        try:
            async with http.post(url, **kw) as resp:
                await resp.read()
                if resp.status == 200:
                    return True
        except (TimeoutError, aiohttp.ClientError):
            pass
    return False


async def db_counts(url: str) -> dict[str, int]:
    from tortoise import Tortoise

    from bot.db import tortoise_config

    await Tortoise.init(config=tortoise_config(url))
    conn = Tortoise.get_connection("default")

    async def one(sql: str) -> int:
        return int((await conn.execute_query_dict(sql))[0]["n"] or 0)

    try:
        return {
            "inbox_left": await one("SELECT COUNT(*) AS n FROM inbox WHERE status<>'handled'"),
            "lead_events": await one("SELECT COUNT(*) AS n FROM lead_event"),
            "lead_events_left": await one(
                "SELECT COUNT(*) AS n FROM lead_event WHERE status<>'done'"
            ),
            # Leads from pushes carry a phone; the poster's customers make leads without one.
            "leads": await one("SELECT COUNT(*) AS n FROM lead WHERE phone_index IS NOT NULL"),
            "lead_people": await one("SELECT COUNT(DISTINCT phone_index) AS n FROM lead"),
            "touches": await one(
                "SELECT SUM(touches) AS n FROM lead WHERE phone_index IS NOT NULL"
            ),
            "relations": await one("SELECT COUNT(*) AS n FROM follow_relation"),
            "relation_customers": await one(
                "SELECT COUNT(DISTINCT customer_id) AS n FROM follow_relation"
            ),
        }
    finally:
        await Tortoise.close_connections()


async def run(
    scans: int, leads: int, rate: float, port_base: int, settle: float
) -> dict[str, Any]:
    ports = iter(range(port_base + 10, port_base + 100))
    redis = Redis(next(ports))
    redis.start()
    url = await fresh_pg("scrm_bench_cluster")
    web_ports = [next(ports), next(ports)]
    box_port = next(ports)
    box = f"http://127.0.0.1:{box_port}"
    webs = [f"http://127.0.0.1:{p}" for p in web_ports]
    env = bot_env(url, box)
    env.update(
        SCRM_REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
        SCRM_ADMIN_TOKEN=ADMIN["Authorization"].split()[1],
        SCRM_INBOX_SWEEP_SECONDS="1",
        SCRM_WEB_DRAIN_SECONDS="0",
    )
    logs = Path(tempfile.mkdtemp(prefix="scrm-cluster-"))
    subprocess.run([SCRM, "migrate"], env=env, check=True, capture_output=True)
    # The sandbox calls back the first web process; senders spread over both.
    sandbox = start_sandbox(
        box_port, CORP_ID, SECRET, TOKEN, AES_KEY, f"{webs[0]}/wecom/callback/{CORP_ID}"
    )
    procs = [Proc(["serve", "--port", str(p)], env, logs / f"web{p}.log") for p in web_ports]
    workers = [
        Proc(["worker"], {**env, "SCRM_WORKER_METRICS_PORT": str(next(ports))}, logs / f"w{i}.log")
        for i in range(3)
    ]
    for p in [*procs, *workers]:
        p.start()
    try:
        for p in web_ports:
            wait_port(p, 60)
        return await drive(webs, box, scans, leads, rate, url, settle, workers[0], redis)
    finally:
        for p in [*procs, *workers]:
            p.stop()
        sandbox.terminate()
        sandbox.wait()
        redis.kill()


async def drive(
    webs: list[str], box: str, scans: int, leads: int, rate: float, url: str, settle: float,
    victim: Proc, redis: Redis,
) -> dict[str, Any]:  # fmt: skip
    quota = quota_for(scans)
    members = [{"userid": f"u{i}", "daily_quota": quota} for i in range(MEMBERS - 1)]
    members.append({"userid": f"u{MEMBERS - 1}", "backup": True})
    spec = {"name": "集群海报", "channel": "海报", "strategy": "round_robin",
            "members": members, "welcome_text": "{员工姓名}欢迎您！"}  # fmt: skip
    source = {"platform": "form", "key": "cluster", "secret": FORM_SECRET}
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=0)
    ) as http:
        async with http.post(f"{webs[1]}/api/v1/livecodes", json=spec, headers=ADMIN) as r:
            code = await r.json()
            assert r.status == 201, code
        async with http.post(f"{webs[0]}/api/v1/lead-sources", json=source, headers=ADMIN) as r:
            assert r.status == 201, await r.text()
        scanned_at: dict[str, float] = {}
        chosen: list[str] = []
        acked: list[str] = []
        reloads: Counter[str] = Counter()

        async def scan(i: int) -> None:
            web = webs[i % 2]
            for attempt in range(4):  # a customer whose page failed reloads it
                t0 = time.time()
                async with http.get(f"{web}/l/{code['id']}", params={"format": "json"}) as r:
                    pick = await r.json(content_type=None)
                if r.status == 200:
                    break
                reloads[
                    f"{r.status} {pick.get('error', '') if isinstance(pick, dict) else ''}"
                ] += 1
                await asyncio.sleep(1 + attempt)
            chosen.append(pick["userid"])
            ext = f"wmCluster{i}"
            body = {"config_id": pick["config_id"], "external_userid": ext}
            async with http.post(f"{box}/sandbox/scan", json=body) as r:
                await r.read()
            scanned_at[ext] = t0

        async def push(i: int) -> None:
            headers, raw, phone = lead_push(i)
            if await post_retrying(
                http, f"{webs[i % 2]}/webhooks/form?key=cluster", headers=headers, data=raw
            ):
                acked.append(phone)

        async def faults(total_s: float) -> None:
            await asyncio.sleep(total_s / 3)
            victim.stop(signal.SIGKILL)
            await asyncio.sleep(2)
            victim.start()
            await asyncio.sleep(total_s / 3 - 2)
            redis.kill()
            await asyncio.sleep(2)
            redis.start()

        jobs = [(scan, i) for i in range(scans)] + [(push, i) for i in range(leads)]
        jobs.sort(key=lambda j: j[1] / (scans if j[0] is scan else leads))
        total_s = len(jobs) / rate
        fault_task = asyncio.create_task(faults(total_s))
        tasks, started = [], time.perf_counter()
        for n, (fn, i) in enumerate(jobs):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(fn(i)))
        errors = Counter(
            repr(e)[:120]
            for e in await asyncio.gather(*tasks, return_exceptions=True)
            if isinstance(e, BaseException)
        )
        await fault_task
        sent = time.perf_counter()
        deadline = time.time() + settle
        welcomes: list[dict[str, Any]] = []
        while True:
            async with http.get(f"{box}/sandbox/records", params={"kind": "welcome"}) as r:
                welcomes = (await r.json())["records"]
            out = await db_counts(url)
            done = not out["inbox_left"] and not out["lead_events_left"]
            if (done and len(welcomes) >= len(scanned_at)) or time.time() > deadline:
                break
            await asyncio.sleep(1)
    per_customer = Counter(w["data"]["external_userid"] for w in welcomes)
    first = {}
    for w in sorted(welcomes, key=lambda w: w["at"]):
        first.setdefault(w["data"]["external_userid"], w["at"])
    late = [e for e, at in first.items() if at - scanned_at.get(e, at) > 20]
    counts = Counter(chosen)
    people = {lead_push(i)[2] for i in range(leads)}
    return {
        "scans": scans,
        "scanned": len(scanned_at),
        "welcomed": len(per_customer),
        "welcomed_twice": sum(1 for n in per_customer.values() if n > 1),
        "welcome_late": len(late),
        "quota_over": sum(max(0, n - quota) for u, n in counts.items() if u != f"u{MEMBERS - 1}"),
        "to_backup": counts[f"u{MEMBERS - 1}"],
        "pushes": leads,
        "pushes_acked": len(acked),
        "people": len(people),
        **out,
        "settle_s": round(time.perf_counter() - sent, 1),
        "errors": dict(errors),
        "landing_reloads": dict(reloads),
    }


def main() -> None:
    parser = _report.parser(__doc__)
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--leads", type=int, default=600)
    parser.add_argument("--rate", type=float, default=60.0, help="scans + pushes per second")
    parser.add_argument("--port-base", type=int, default=20800)
    parser.add_argument("--settle", type=float, default=180.0)
    args = _report.parse(parser, {"scans": 60, "leads": 120, "settle": 150.0})
    result = asyncio.run(run(args.scans, args.leads, args.rate, args.port_base, args.settle))
    print("\n| " + " | ".join(result) + " |")
    print("|" + "---:|" * len(result))
    print("| " + " | ".join(str(v) for v in result.values()) + " |")
    counts = {k: float(v) for k, v in result.items() if isinstance(v, int | float)}
    _report.emit(
        args,
        "cluster",
        [
            _report.Measure(
                "welcomed / scanned",
                counts["welcomed"] / max(counts["scans"], 1) * 100,
                "%",
                ">= 100",
            ),
            _report.Measure("welcomed twice", counts["welcomed_twice"], "", "== 0"),
            _report.Measure("welcomes after 20 s", counts["welcome_late"], "", "== 0"),
            _report.Measure("members past quota", counts["quota_over"], "", "== 0"),
            _report.Measure(
                "live leads − people", counts["leads"] - counts["lead_people"], "", "== 0"
            ),
            _report.Measure(
                "events left unprocessed",
                counts["inbox_left"] + counts["lead_events_left"],
                "",
                "== 0",
            ),
        ],
    )


if __name__ == "__main__":
    main()
