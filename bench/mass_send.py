"""Benchmark: a 群发 to a 100 000-customer segment across 100 members.

Run:  .venv/bin/python bench/mass_send.py [--customers 100000] [--members 100] [--db postgres]
          [--redis redis://127.0.0.1:6379/7]

The sandbox runs as a child process (its default 2 s of 41063 after each task is made). Our
side runs in this process against a fresh database: customers and relations are bulk-loaded
(all tagged 意向-高), a segment selects them, then we time
  1. the reach (segment evaluated, receive cap counted),
  2. making every task (one add_msg_template per member, recipients stored),
then every member confirms in the sandbox (not timed: that is people), and we time
  3. collecting full tracking (get_groupmsg_task + get_groupmsg_send_result, paged) until
     every recipient has its final status.
WeCom calls are the sandbox's own counters. Prints a table.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _report  # noqa: E402
from bench._procs import free_port, redis_url, start_sandbox  # noqa: E402
from bench.welcome_burst import fresh_pg  # noqa: E402
from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN, make_settings  # noqa: E402

TAG = "et_high"


async def stats(http: aiohttp.ClientSession, base: str) -> dict[str, int]:
    async with http.get(f"{base}/sandbox/stats") as r:
        return dict((await r.json())["calls"])


def diff(after: dict[str, int], before: dict[str, int], api: str) -> int:
    return after.get(api, 0) - before.get(api, 0)


async def main() -> None:
    parser = _report.parser(__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--redis", default=redis_url(7))
    args = _report.parse(parser, {"customers": 5000, "members": 20})

    from bot.db import close_db, init_db, migrate
    from scrm.enums import RelationStatus
    from scrm.infra.corps import bootstrap_corp
    from scrm.models import Corp, Customer, FollowRelation, MassSend, MassSendRecipient, Segment
    from scrm.models import Staff as StaffRow
    from scrm.services import mass_send, mass_send_track
    from scrm.services.mass_send_reach import Target, reach
    from wecom.client import WeComClient

    if args.db == "postgres":
        url = await fresh_pg("scrm_bench_mass_send")
    else:
        url = f"sqlite://{tempfile.mkdtemp()}/bench.db"
    port = free_port()
    box = f"http://127.0.0.1:{port}"
    sandbox = start_sandbox(port, CORP_ID, SECRET, TOKEN, AES_KEY, "")
    settings = make_settings(url, redis_url=args.redis, wecom_api_base=box)
    redis = aioredis.from_url(args.redis)
    await redis.flushdb()
    http = aiohttp.ClientSession()
    try:
        await migrate(settings)
        await init_db(settings)
        await bootstrap_corp(settings)
        corp = await Corp.get(corp_id=CORP_ID)
        members = [f"u{i}" for i in range(args.members)]
        for userid in members[10:]:  # the sandbox starts with u0…u9
            await http.post(f"{box}/sandbox/staff", json={"userid": userid, "name": userid})
        staff = [StaffRow(corp_id=corp.id, userid=u, name=u) for u in members]
        await StaffRow.bulk_create(staff)
        staff_ids = {s.userid: s.id for s in await StaffRow.filter(corp_id=corp.id)}
        t0 = time.perf_counter()
        friends = [{"userid": members[i % args.members]} for i in range(args.customers)]
        async with http.post(f"{box}/sandbox/friends", json={"friends": friends}) as r:
            exts = (await r.json())["external_userids"]
        now = datetime.now(UTC)
        for i in range(0, len(exts), 5000):
            await Customer.bulk_create(
                [
                    Customer(corp_id=corp.id, external_userid=e, name=f"客{j}")
                    for j, e in enumerate(exts[i : i + 5000], start=i)
                ]
            )
        cust_ids = dict(
            await Customer.filter(corp_id=corp.id).values_list("external_userid", "id")
        )
        for i in range(0, len(exts), 5000):
            await FollowRelation.bulk_create(
                [
                    FollowRelation(
                        corp_id=corp.id,
                        staff_id=staff_ids[members[j % args.members]],
                        customer_id=cust_ids[e],
                        status=RelationStatus.ACTIVE,
                        tag_ids=[TAG],
                        added_at=now,
                    )
                    for j, e in enumerate(exts[i : i + 5000], start=i)
                ]
            )
        seeded = time.perf_counter() - t0
        seg = await Segment.create(
            corp_id=corp.id, name="高意向", conditions={"tags": {"mode": "any", "ids": [TAG]}}
        )
        client = WeComClient(
            CORP_ID, SECRET, session=http, redis=redis, api_base=box, rate_per_minute=10_000_000
        )

        def client_for(_: Corp) -> WeComClient:
            return client

        target = Target(segment_id=seg.id)
        t = time.perf_counter()
        got = await reach(corp.id, "single", target, None, tz="Asia/Shanghai")
        t_reach = time.perf_counter() - t
        before = await stats(http, box)
        send = await MassSend.create(
            corp_id=corp.id,
            name="bench",
            text="双十二会员日",
            target={"spec": target.model_dump(mode="json"), "scope": None},
            send_at=now,
        )
        t = time.perf_counter()
        assert await mass_send.claim(send.id)
        made = await mass_send.run(send.id, client_for, mass_send.RunOptions())
        t_make = time.perf_counter() - t
        mid = await stats(http, box)
        tasks = await mass_send.MassSendTask.filter(send_id=send.id).values_list("msgid", "sender")
        for msgid, sender in tasks:  # the members press 发送
            await http.post(f"{box}/sandbox/mass/{msgid}/confirm", json={"userid": sender})
        t = time.perf_counter()
        passes = 0
        while await MassSendRecipient.filter(send_id=send.id, status=0).exists():
            await mass_send_track.track(send.id, client_for)
            passes += 1
            if await MassSendRecipient.filter(send_id=send.id, status=0).exists():
                await asyncio.sleep(0.5)  # inside the sandbox's 41063 window
        t_track = time.perf_counter() - t
        after = await stats(http, box)
        delivered = await MassSendRecipient.filter(send_id=send.id, status=1).count()
        rows = [
            ("customers / members", f"{args.customers} / {args.members}"),
            ("database", args.db),
            ("seed (not a product path)", f"{seeded:.1f} s"),
            ("reach (segment + cap)", f"{t_reach:.2f} s, {got['total']} customers"),
            ("make all tasks", f"{t_make:.2f} s, {made['tasks']} tasks"),
            (
                "  add_msg_template calls",
                str(diff(mid, before, "externalcontact/add_msg_template")),
            ),
            ("collect full tracking", f"{t_track:.2f} s in {passes} passes"),
            (
                "  get_groupmsg_task calls",
                str(diff(after, mid, "externalcontact/get_groupmsg_task")),
            ),
            (
                "  get_groupmsg_send_result calls",
                str(diff(after, mid, "externalcontact/get_groupmsg_send_result")),
            ),
            ("delivered (status 1)", str(delivered)),
        ]
        width = max(len(k) for k, _ in rows)
        for k, v in rows:
            print(f"{k.ljust(width)}  {v}")
        _report.emit(
            args,
            "mass_send",
            [
                _report.Measure(f"reach of {args.customers:,}", t_reach, "s"),
                _report.Measure(f"make every task ({args.members} members)", t_make, "s"),
                _report.Measure("collect full tracking", t_track, "s"),
                _report.Measure("recipients not delivered", args.customers - delivered, "",
                                "== 0"),
            ],
        )  # fmt: skip
    finally:
        await close_db()
        await http.close()
        await redis.flushdb()
        await redis.aclose()
        sandbox.terminate()
        sandbox.wait()


if __name__ == "__main__":
    asyncio.run(main())
