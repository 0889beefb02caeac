"""Seeding for the journey benchmarks: sandbox friendships and our mirror, one journey."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

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
        json.dumps(nodes, ensure_ascii=False),
        now,
    )
    from scrm.models.sop import journey_lane  # as enrolment does: the owner's lane
    from scrm.sop.journey_state import send_due  # as enrolment does: sends wait for their window

    await conn.copy_records_to_table(
        "journey_run",
        records=[(1, journey_id, ext, owner, journey_lane(owner), "s1",
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
