"""The customer-journey half of `bench/sop_scale.py`: N customers due on one journey at once.

Run through bench/sop_scale.py (--customers, --owners, --spread).

The sandbox holds N existing friendships (`POST /sandbox/friends`, no callbacks) over the
owners; PostgreSQL gets the same staff, customers and relations (COPY) and every customer on a
journey `send → wait 1 min → send → exit`, all due on the same second — the worst case — or,
with `--spread S`, entered evenly over S seconds (their sends then wait for the end of the
journey's one-minute send window, as enrolment does, and go out a window at a time).
`scrm-bot worker` walks them (its per-second journey scan). Lateness is the send log's insert
time − the node's due time, for every send; a duplicate is a customer messaged twice with one
text (sandbox records); a miss is a customer without both sends when the runs have settled.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

FRIENDS_CHUNK = 20_000


async def seed_sandbox(box: str, customers: int, owners: int) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    async with aiohttp.ClientSession() as http:
        for start in range(0, customers, FRIENDS_CHUNK):
            friends = [
                {"userid": f"u{i % owners}", "external_userid": f"wmbench{i:08d}"}
                for i in range(start, min(customers, start + FRIENDS_CHUNK))
            ]
            async with http.post(f"{box}/friends", json={"friends": friends}) as r:
                r.raise_for_status()
            pairs += [(f["external_userid"], f["userid"]) for f in friends]
    return pairs


async def seed_db(
    url: str, pairs: list[tuple[str, str]], owners: int, due: datetime, spread_s: float = 0
) -> int:
    """Staff, customers, relations and one journey with everyone on its first node."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    now = datetime.now(UTC)
    staff_ids = {f"u{i}": i + 1 for i in range(owners)}
    await conn.copy_records_to_table(
        "staff",
        records=[(n, 1, u, u, "[]", "", True, True, now, now) for u, n in staff_ids.items()],
        columns=["id", "corp_id", "userid", "name", "department_ids", "manager_userid",
                 "has_contact_permission", "active", "created_at", "updated_at"],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "customer",
        records=[(i + 1, 1, ext, ext[-6:], "", 1, 0, "", "", "", "", now, now)
                 for i, (ext, _) in enumerate(pairs)],
        columns=["id", "corp_id", "external_userid", "name", "avatar", "type", "gender",
                 "unionid", "corp_name", "position", "first_channel", "created_at",
                 "updated_at"],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "follow_relation",
        records=[(i + 1, 1, i + 1, staff_ids[owner], "active", "", "", "", "[]", 1, now, "",
                  "[]", "", now, now) for i, (_, owner) in enumerate(pairs)],
        columns=["id", "corp_id", "customer_id", "staff_id", "status", "state", "remark",
                 "description", "tag_ids", "add_way", "added_at", "welcome_code",
                 "mobile_indexes", "oper_userid", "created_at", "updated_at"],
    )  # fmt: skip
    nodes = [
        {"id": "s1", "kind": "send", "text": "新品上市", "next": "w"},
        {"id": "w", "kind": "wait", "minutes": 1, "next": "s2"},
        {"id": "s2", "kind": "send", "text": "限时优惠", "next": "x"},
        {"id": "x", "kind": "exit"},
    ]
    journey_id = await conn.fetchval(
        "INSERT INTO journey (corp_id, name, trigger, nodes, per_day_cap, per_week_cap, "
        "quiet_start, quiet_end, status, exit_tags, send_window_minutes, created_at, "
        "updated_at) VALUES "
        "(1, 'bench', $1, $2, 2, 3, '00:00', '00:00', 'active', '[]', 1, $3, $3) RETURNING id",
        '{"kind": "livecode_add"}',
        __import__("json").dumps(nodes, ensure_ascii=False),
        now,
    )
    from scrm.sop.journey_state import send_due  # as enrolment does: sends wait for their window

    await conn.copy_records_to_table(
        "journey_run",
        records=[(1, journey_id, ext, owner, "s1",
                  send_due(due + timedelta(seconds=spread_s * i / len(pairs)), 1), "active",
                  "", now, now)
                 for i, (ext, owner) in enumerate(pairs)],
        columns=["corp_id", "journey_id", "external_userid", "owner_userid", "node_id",
                 "due_at", "status", "entry", "created_at", "updated_at"],
    )  # fmt: skip
    # Statistics for what was seeded, as a live database would have them (journey_log is left
    # unanalysed: analysed while empty, PostgreSQL plans the cap lookups as scans)
    await conn.execute("ANALYZE staff, customer, follow_relation, journey_run")
    await conn.close()
    return int(journey_id)


async def settle(url: str, customers: int, deadline_s: float) -> dict[str, Any]:
    """Wait until every run is done (or the deadline), then read lateness and misses."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    deadline = time.time() + deadline_s
    while time.time() < deadline:
        done = await conn.fetchval("SELECT count(*) FROM journey_run WHERE status = 'done'")
        if done >= customers:
            break
        await asyncio.sleep(1)
    rows = await conn.fetch(
        "SELECT node_id, created_at, data FROM journey_log WHERE action = 'sent'"
    )
    import json

    late = sorted(
        (r["created_at"] - datetime.fromisoformat(json.loads(r["data"])["due"])).total_seconds()
        for r in rows
    )
    per_customer = await conn.fetchval(
        "SELECT count(*) FROM (SELECT external_userid FROM journey_log WHERE action = 'sent' "
        "GROUP BY external_userid HAVING count(*) = 2) t"
    )
    await conn.close()
    return {"late": late, "missed": customers - int(per_customer), "sends": len(rows)}


async def duplicates(box: str) -> tuple[int, int]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{box}/records", params={"kind": "mass_message"}) as r,
    ):
        records = (await r.json())["records"]
    records = [r for r in records if r["data"]["chat_type"] == "single"]  # not the groups'
    seen: dict[tuple[str, str], int] = {}
    for rec in records:
        for ids in rec["data"]["targets"].values():
            for ext in ids:
                key = (ext, rec["data"]["text"])
                seen[key] = seen.get(key, 0) + 1
    return len(records), sum(n - 1 for n in seen.values())


async def run(
    url: str,
    box: str,
    scrm: str,
    env: dict[str, str],
    customers: int,
    owners: int,
    spread_s: float = 0,
) -> list[tuple[str, str]]:
    """Seed, start a worker, wait, measure; returns table rows. `spread_s` > 0 spreads the
    first due times evenly over that many seconds (customers who entered over time)."""
    pairs = await seed_sandbox(box, customers, owners)
    due = (datetime.now(UTC) + timedelta(seconds=75)).replace(second=0, microsecond=0)
    t0 = time.perf_counter()
    await seed_db(url, pairs, owners, due, spread_s)
    seeding = time.perf_counter() - t0
    worker = subprocess.Popen([scrm, "worker"], env=env)
    try:
        while datetime.now(UTC) < due:
            await asyncio.sleep(0.5)
        got = await settle(url, customers, deadline_s=600)
    finally:
        worker.terminate()
        worker.wait()
    tasks, dup = await duplicates(box)
    late = got["late"] or [float("nan")]
    return [
        (
            "customers on the journey (first sends due over)",
            f"{customers} ({spread_s:.0f} s)" if spread_s else f"{customers} (one second)",
        ),
        ("seeding s (COPY, not the engine)", f"{seeding:.1f}"),
        ("sends logged / expected", f"{got['sends']} / {2 * customers}"),
        ("send lateness p50 s", f"{late[len(late) // 2]:.2f}"),
        ("send lateness p99 s", f"{late[int(len(late) * 0.99)]:.2f}"),
        ("send lateness max s", f"{late[-1]:.2f}"),
        ("WeCom tasks (ideal: one per owner and send)", f"{tasks} (ideal {2 * owners})"),
        ("duplicate sends (a customer messaged twice with one text)", f"{dup}"),
        ("missed customers (without both sends)", f"{got['missed']}"),
    ]
