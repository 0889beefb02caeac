"""Cluster harness: 2 `serve`, 3 `worker`, the sandbox, PostgreSQL and its own Redis, as processes.

Run:  .venv/bin/python bench/cluster.py [--scans 300] [--leads 600] [--rate 60] [--port-base 20800]

A poster burst (scan → welcome) and a lead burst (signed web-form pushes, every fifth one a
person already pushed) go out at once over both web processes. A third of the way in one
worker is SIGKILLed and started again 2 s later; at two thirds the harness's own
redis-server (never a shared one; no persistence, so the queue is lost) is killed and
started again. Then it counts: welcomes per customer and their latency, leads per person and
merged touches, inbox and lead-event rows left, live-code quota overruns. Beside them a group
SOP, a journey burst and a 群发 (bench/_cluster_sends.py) fall due on the whole minute just
after the kill; each target must be in exactly one WeCom task. PostgreSQL only:
SQLite is one file for one host. tests/cluster/test_cluster_harness.py runs it small.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _cluster_sends as sends  # noqa: E402
from bench import _report  # noqa: E402
from bench._cluster_parts import (  # noqa: E402
    FORM_SECRET,
    MEMBERS,
    SCRM,
    Proc,
    db_counts,
    lead_push,
    measures,
    post_retrying,
    quota_for,
)
from bench._pg_template import migrated_pg, pg_url  # noqa: E402
from bench._procs import pg_name, start_sandbox, wait_port  # noqa: E402
from bench.fault_intake import Redis  # noqa: E402
from bench.welcome_burst import bot_env  # noqa: E402
from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN  # noqa: E402

ADMIN = {"Authorization": "Bearer bench-admin-token"}
KILL_BEFORE_DUE = 4.0  # the worker kill comes this long before the planned sends are due


async def run(
    scans: int, leads: int, rate: float, port_base: int, settle: float
) -> dict[str, Any]:
    began = time.time()
    ports = iter(range(port_base + 10, port_base + 100))
    redis = Redis(next(ports))
    redis.start()
    url = pg_url(pg_name("scrm_bench_cluster"))
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

    def migrate(db_url: str) -> None:
        db_env = {**env, "SCRM_DATABASE_URL": db_url}
        subprocess.run([SCRM, "migrate"], env=db_env, check=True, capture_output=True)

    await migrated_pg("scrm_bench_cluster", migrate)
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
        return await drive(webs, box, scans, leads, rate, url, settle, workers[0], redis, began)
    finally:
        for p in [*procs, *workers]:  # all at once: each drains within its own grace
            p.signal(signal.SIGTERM)
        for p in [*procs, *workers]:
            p.wait()
        sandbox.terminate()
        sandbox.wait()
        redis.kill()


async def drive(
    webs: list[str], box: str, scans: int, leads: int, rate: float, url: str, settle: float,
    victim: Proc, redis: Redis, began: float,
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
        phases = {"ready_s": round(time.time() - began, 1)}
        total_s = (scans + leads) / rate
        t0 = time.time()
        want = await sends.seed(url, box, sends.Sizes.for_scans(scans))
        phases["seed_s"] = round(time.time() - t0, 1)
        # The kill comes a third of the way in; the planned sends fall due on the first whole
        # minute at least KILL_BEFORE_DUE after it, so the victim dies holding journey runs
        # it claimed ahead of their due time.
        first = time.time() + 5 + total_s / 3 + KILL_BEFORE_DUE  # 5 s: the two API calls
        due = datetime.fromtimestamp(-(-first // 60) * 60, UTC)
        await sends.schedule(url, http, webs[0], ADMIN, due)
        # The 群发 is due 2 s after the planned sends, when the killed worker is back. Made
        # before the wait, so a slow API call cannot push the kill past it (a kill during a
        # 群发 is survived too, once the victim's heartbeat is 10 s old: decision 0038).
        await sends.mass_send(http, webs[1], ADMIN, due + timedelta(seconds=2))
        start_at = due.timestamp() - KILL_BEFORE_DUE - total_s / 3
        phases["wait_s"] = round(max(0.0, start_at - time.time()), 1)
        await asyncio.sleep(phases["wait_s"])
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
            planned = await sends.count(http, box, want)
            left = sum(out[k] for k in ("inbox_left", "lead_events_left", "journey_left"))
            done = not left and not out["sop_left"] and not out["mass_left"]
            done = done and sends.done(planned)
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
        **planned,
        **phases,
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
    _report.emit(args, "cluster", measures(result))


if __name__ == "__main__":
    main()
