"""The cluster harness's planned sends: a group SOP, a journey burst, a 群发; seeded, counted.

All three fall due on one whole minute (SOP steps and journey send windows are timed to the
minute) that the harness places a few seconds after its worker kill. Seeding reuses the SOP
and journey benchmarks' helpers; the counts read the sandbox's records — the tasks WeCom
received — never our own tables.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from bench._journey_seed import seed_db, seed_people, seed_sandbox
from bench.sop_scale import sandbox_groups

OWNERS = 10  # the sandbox's members u0…u9
SOP_TEXT = "集群SOP：今晚八点群内直播"
JOURNEY_TEXT = "集群旅程：新品上市"
MASS_TEXT = "集群群发：双十二会员日"
MASS_TAG = "et_cluster_mass"
JOURNEY_NAME = "集群旅程"
JOURNEY = [
    {"id": "s1", "kind": "send", "text": JOURNEY_TEXT, "next": "x"},
    {"id": "x", "kind": "exit"},
]


@dataclass(frozen=True)
class Sizes:
    groups: int  # on the group SOP
    journey: int  # customers due on the journey at once
    mass: int  # customers in the 群发's segment

    @classmethod
    def for_scans(cls, scans: int) -> Sizes:
        return cls(groups=max(20, scans // 4), journey=scans * 5, mass=scans * 5 // 2)


async def seed(url: str, box: str, sizes: Sizes) -> dict[str, list[str]]:
    """Groups, journey customers (on the journey, due in a day until `schedule` says when)
    and the 群发's customers (tagged MASS_TAG), in the sandbox and in our database; returns
    who should get what."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        # The workers' first corp sync imports WeCom's friendships: had it run over ours,
        # it would have found them untagged (WeCom knows no tags of ours) and said so. A
        # worker up before `serve` made the corp queues it on its minute cron (first_syncs).
        for _ in range(360):
            if await conn.fetchval("SELECT COUNT(*) FROM sync_run WHERE status <> 'running'"):
                break
            await asyncio.sleep(0.25)
        else:
            raise RuntimeError("the corp's first sync did not end within 90 s")
    finally:
        await conn.close()
    async with aiohttp.ClientSession() as http:
        chats = await sandbox_groups(http, f"{box}/sandbox", sizes.groups, OWNERS)
    on_journey = await seed_sandbox(f"{box}/sandbox", sizes.journey, OWNERS, "wmjourney")
    # Started by a tag nobody adds: the poster's customers must not join it.
    trigger = {"kind": "tag_added", "tag_ids": ["et_cluster_journey"]}
    later = datetime.now(UTC) + timedelta(days=1)
    await seed_db(
        url, on_journey, OWNERS, later, nodes=JOURNEY, name=JOURNEY_NAME, trigger=trigger
    )
    in_segment = await seed_sandbox(f"{box}/sandbox", sizes.mass, OWNERS, "wmmass")
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        await seed_people(conn, in_segment, OWNERS, tags=[MASS_TAG])
        # The groups reach us as WeCom's callbacks would bring them (the sandbox sends one
        # per new group): the plan is made once all are known.
        for _ in range(120):
            if await conn.fetchval("SELECT COUNT(*) FROM group_chat") >= len(chats):
                break
            await asyncio.sleep(0.5)
    finally:
        await conn.close()
    return {
        "sop": [c for c, _ in chats],
        "journey": [e for e, _ in on_journey],
        "mass": [e for e, _ in in_segment],
    }


async def schedule(
    url: str, http: aiohttp.ClientSession, web: str, admin: dict[str, str], due: datetime
) -> None:
    """The journey's customers due at `due` (a whole minute: the end of their send window,
    as enrolment would have it), and a group SOP plan (admin API) whose one step is due then,
    on every VIP group."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(
            "UPDATE journey_run SET due_at = $1 WHERE journey_id IN "
            "(SELECT id FROM journey WHERE name = $2)",
            due,
            JOURNEY_NAME,
        )
    finally:
        await conn.close()
    local = due.astimezone(ZoneInfo("Asia/Shanghai"))
    step = {"id": "live", "text": SOP_TEXT,
            "schedule": {"kind": "dates", "dates": [local.date().isoformat()],
                         "at": local.strftime("%H:%M")}}  # fmt: skip
    spec = {"name": "集群SOP", "target": {"name_pattern": "VIP*"}, "steps": [step]}
    async with http.post(f"{web}/api/v1/sop-plans", json=spec, headers=admin) as r:
        body = await r.json()
        assert r.status == 201 and body.get("planned_runs"), body


async def mass_send(
    http: aiohttp.ClientSession, web: str, admin: dict[str, str], at: datetime
) -> None:
    """A segment of the tagged customers and a 群发 to it at `at` (admin API)."""
    seg = {"name": "集群分群", "conditions": {"tags": {"mode": "any", "ids": [MASS_TAG]}}}
    async with http.post(f"{web}/api/v1/segments", json=seg, headers=admin) as r:
        made = await r.json()
        assert r.status == 201, made
    send = {"name": "集群群发", "chat_type": "single", "text": MASS_TEXT,
            "target": {"segment_id": made["id"]}, "send_at": at.isoformat()}  # fmt: skip
    async with http.post(f"{web}/api/v1/mass-sends", json=send, headers=admin) as r:
        assert r.status == 201, await r.text()


def _per_target(records: list[dict[str, Any]], text: str) -> Counter[str]:
    got: Counter[str] = Counter()
    for rec in records:
        if rec["data"]["text"] == text:
            for ids in rec["data"]["targets"].values():
                got.update(ids)
    return got


async def count(
    http: aiohttp.ClientSession, box: str, want: dict[str, list[str]]
) -> dict[str, int]:
    """Per kind: targets expected, those WeCom got a task for, those in more than one task,
    and tasks beyond one per sending member (journey: per window; all fall in one)."""
    async with http.get(f"{box}/sandbox/records", params={"kind": "mass_message"}) as r:
        records = (await r.json())["records"]
    out: dict[str, int] = {}
    for kind, text in (("sop", SOP_TEXT), ("journey", JOURNEY_TEXT), ("mass", MASS_TEXT)):
        got = _per_target(records, text)
        expected = set(want[kind])
        out[f"{kind}_targets"] = len(expected)
        out[f"{kind}_sent"] = len(expected & set(got))
        out[f"{kind}_twice"] = sum(1 for t, n in got.items() if n > 1)
        out[f"{kind}_stray"] = len(set(got) - expected)  # sent to someone not targeted
        tasks = Counter(s for rec in records if rec["data"]["text"] == text
                        for s in rec["data"]["targets"])  # fmt: skip
        out[f"{kind}_tasks_over"] = sum(n - 1 for n in tasks.values())
    return out


def done(out: dict[str, int]) -> bool:
    return all(out[f"{k}_sent"] >= out[f"{k}_targets"] for k in ("sop", "journey", "mass"))
