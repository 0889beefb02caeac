"""What the journey benchmark reads once the runs have settled: lateness, time to walk, tasks."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from typing import Any

import aiohttp
import redis.asyncio as aioredis

from scrm.models.sop import JOURNEY_LANES
from scrm.sop.journey_lanes import LEASE_KEY


async def settle(url: str, customers: int, deadline_s: float) -> dict[str, Any]:
    """Wait until every run is done (or the deadline), then read the sends: lateness, misses,
    how long each send node took from its first due time to its last send, and WeCom tasks
    per owner and send window (from the sends' msgids: one is ideal)."""
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
    late: list[float] = []
    span: dict[str, tuple[datetime, datetime]] = {}  # node → (first due, last send)
    for r in rows:
        due = datetime.fromisoformat(json.loads(r["data"])["due"])
        late.append((r["created_at"] - due).total_seconds())
        first, last = span.get(r["node_id"], (due, r["created_at"]))
        span[r["node_id"]] = (min(first, due), max(last, r["created_at"]))
    per_customer = await conn.fetchval(
        "SELECT count(*) FROM (SELECT external_userid FROM journey_log WHERE action = 'sent' "
        "GROUP BY external_userid HAVING count(*) = 2) t"
    )
    windows = await conn.fetch(
        "SELECT count(DISTINCT l.data->>'msgid') AS tasks FROM journey_log l "
        "JOIN journey_run r ON r.id = l.run_id WHERE l.action = 'sent' "
        "GROUP BY r.owner_userid, l.node_id, l.data->>'due'"
    )
    await conn.close()
    tasks = [int(w["tasks"]) for w in windows]
    return {
        "late": sorted(late),
        "missed": customers - int(per_customer),
        "sends": len(rows),
        "walk_s": {node: (last - first).total_seconds() for node, (first, last) in span.items()},
        "owner_windows": len(tasks),
        "split_windows": sum(1 for n in tasks if n > 1),
        "max_tasks_per_window": max(tasks, default=0),
    }


async def duplicates(box: str) -> tuple[int, int]:
    """WeCom tasks made, and customers messaged twice with one text (sandbox records)."""
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


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


async def lane_holders(redis_url: str, until: asyncio.Event) -> dict[str, float]:
    """Per worker, for how many seconds it held journey lanes while the bench ran (sampled
    every 0.1 s; a lease's value starts with its worker's id). A scanner holds its lanes for
    seconds only while it claims something, so with --workers N the burst should show N
    workers with similar figures; a quiet second's take-and-release is rarely sampled."""
    client = aioredis.from_url(redis_url)
    keys = [LEASE_KEY.format(lane) for lane in range(JOURNEY_LANES)]
    held: dict[str, float] = {}
    try:
        while not until.is_set():
            for worker in {v.decode().split(":")[0] for v in await client.mget(keys) if v}:
                held[worker] = held.get(worker, 0.0) + 0.1
            await asyncio.sleep(0.1)
    finally:
        await client.aclose()
    return held
