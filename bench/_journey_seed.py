"""Seeding for the journey benchmarks: sandbox friendships and our mirror, one journey."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

FRIENDS_CHUNK = 20_000
# The benchmarks' journey: a send, a minute's wait, a second send.
NODES = [
    {"id": "s1", "kind": "send", "text": "新品上市", "next": "w"},
    {"id": "w", "kind": "wait", "minutes": 1, "next": "s2"},
    {"id": "s2", "kind": "send", "text": "限时优惠", "next": "x"},
    {"id": "x", "kind": "exit"},
]


async def seed_sandbox(
    box: str, customers: int, owners: int, prefix: str = "wmbench"
) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    async with aiohttp.ClientSession() as http:
        for start in range(0, customers, FRIENDS_CHUNK):
            friends = [
                {"userid": f"u{i % owners}", "external_userid": f"{prefix}{i:08d}"}
                for i in range(start, min(customers, start + FRIENDS_CHUNK))
            ]
            async with http.post(f"{box}/friends", json={"friends": friends}) as r:
                r.raise_for_status()
            pairs += [(f["external_userid"], f["userid"]) for f in friends]
    return pairs


async def _next_id(conn: Any, table: str) -> int:
    return int(await conn.fetchval(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"))


async def seed_people(
    conn: Any, pairs: list[tuple[str, str]], owners: int, tags: Sequence[str] = ()
) -> None:
    """Staff (those not there yet), customers and relations (tagged `tags`) by COPY, after
    whatever the tables hold; their id sequences are moved past the copied rows, so the
    service's own inserts that follow do not collide with them."""
    now = datetime.now(UTC)
    known = {r["userid"] for r in await conn.fetch("SELECT userid FROM staff")}
    base = await _next_id(conn, "staff")
    new_staff = [f"u{i}" for i in range(owners) if f"u{i}" not in known]
    await conn.copy_records_to_table(
        "staff",
        records=[(base + n, 1, u, u, "[]", "", True, True, now, now)
                 for n, u in enumerate(new_staff)],
        columns=["id", "corp_id", "userid", "name", "department_ids", "manager_userid",
                 "has_contact_permission", "active", "created_at", "updated_at"],
    )  # fmt: skip
    staff_ids = {r["userid"]: r["id"] for r in await conn.fetch("SELECT id, userid FROM staff")}
    first = await _next_id(conn, "customer")
    await conn.copy_records_to_table(
        "customer",
        records=[(first + i, 1, ext, ext[-6:], "", 1, 0, "", "", "", "", now, now)
                 for i, (ext, _) in enumerate(pairs)],
        columns=["id", "corp_id", "external_userid", "name", "avatar", "type", "gender",
                 "unionid", "corp_name", "position", "first_channel", "created_at",
                 "updated_at"],
    )  # fmt: skip
    rel = await _next_id(conn, "follow_relation")
    tag_ids = json.dumps(list(tags))
    await conn.copy_records_to_table(
        "follow_relation",
        records=[(rel + i, 1, first + i, staff_ids[owner], "active", "", "", "", tag_ids, 1,
                  now, "", "[]", "", now, now) for i, (_, owner) in enumerate(pairs)],
        columns=["id", "corp_id", "customer_id", "staff_id", "status", "state", "remark",
                 "description", "tag_ids", "add_way", "added_at", "welcome_code",
                 "mobile_indexes", "oper_userid", "created_at", "updated_at"],
    )  # fmt: skip
    for table in ("staff", "customer", "follow_relation"):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT MAX(id) FROM {table}))"
        )


async def seed_db(
    url: str,
    pairs: list[tuple[str, str]],
    owners: int,
    due: datetime,
    spread_s: float = 0,
    nodes: list[dict[str, Any]] | None = None,
    name: str = "bench",
    trigger: dict[str, Any] | None = None,
) -> int:
    """Staff, customers and relations (seed_people), and one journey (`nodes`, NODES unless
    given; started by `trigger`, a live-code add unless given) with everyone on its first
    node."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    now = datetime.now(UTC)
    await seed_people(conn, pairs, owners)
    nodes = nodes or NODES
    journey_id = await conn.fetchval(
        "INSERT INTO journey (corp_id, name, trigger, nodes, per_day_cap, per_week_cap, "
        "quiet_start, quiet_end, status, exit_tags, send_window_minutes, created_at, "
        "updated_at) VALUES "
        "($1, $2, $3, $4, 2, 3, '00:00', '00:00', 'active', '[]', 1, $5, $5) RETURNING id",
        1,
        name,
        json.dumps(trigger or {"kind": "livecode_add"}),
        json.dumps(nodes, ensure_ascii=False),
        now,
    )
    from scrm.models.sop import journey_lane  # as enrolment does: the owner's lane
    from scrm.sop.journey_state import send_due  # as enrolment does: sends wait for their window

    first = nodes[0]["id"]
    await conn.copy_records_to_table(
        "journey_run",
        records=[(1, journey_id, ext, owner, journey_lane(owner), first,
                  send_due(due + timedelta(seconds=spread_s * i / len(pairs)), 1), "active",
                  "", now, now)
                 for i, (ext, owner) in enumerate(pairs)],
        columns=["corp_id", "journey_id", "external_userid", "owner_userid", "lane", "node_id",
                 "due_at", "status", "entry", "created_at", "updated_at"],
    )  # fmt: skip
    # Statistics for what was seeded, as a live database would have them (journey_log is left
    # unanalysed: analysed while empty, PostgreSQL plans the cap lookups as scans)
    await conn.execute("ANALYZE staff, customer, follow_relation, journey_run")
    await conn.close()
    return int(journey_id)
