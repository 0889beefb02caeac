"""welcome_burst.py's helpers: the load beside the burst, and where each welcome's time went."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

ADD_KIND = "change_external_contact.add_external_contact"


async def seed_journey(
    url: str, box_url: str, env: dict[str, str], customers: int, owners: int
) -> datetime:
    """`customers` friends of u0…u{owners-1} on a journey whose first send is due at the end
    of the next one-minute window but one; returns when that send falls due (PostgreSQL)."""
    import os

    import asyncpg
    from tortoise import Tortoise

    from bench.sop_journeys import seed_db, seed_sandbox  # imports welcome_burst: not at the top
    from bot.db import configure_vault, tortoise_config
    from scrm.infra.corps import bootstrap_corp
    from scrm.infra.settings import Settings

    os.environ.update({k: v for k, v in env.items() if k.startswith("SCRM_")})
    configure_vault(Settings())
    await Tortoise.init(config=tortoise_config(url))
    await bootstrap_corp(Settings())
    await Tortoise.close_connections()

    due = datetime.now(UTC) + timedelta(seconds=70)
    pairs = await seed_sandbox(f"{box_url}/sandbox", customers, owners)
    await seed_db(url, pairs, owners, due)
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    for table in ("staff", "customer", "follow_relation", "journey_run"):  # seeded by COPY
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT MAX(id) FROM {table}))"
        )
    send_at = await conn.fetchval("SELECT MIN(due_at) FROM journey_run")
    await conn.close()
    return send_at  # type: ignore[no-any-return]


async def lead_burst(bot_url: str, admin: str, pushes: int) -> float:
    """`pushes` web-form leads (30 % repeats) as fast as 64 connections go, made by wrk when
    installed (as bench/lead_ingest.py), else by an aiohttp client in this process; pushes/s."""
    from bench import _wrk
    from bench.lead_ingest import drive  # imports welcome_burst: not at the top

    out = await drive(bot_url, admin, pushes, 0.3, "wrk" if _wrk.available() else "aiohttp")
    return pushes / out["accepted_s"]


async def journey_sends(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        return int(await conn.fetchval("SELECT COUNT(*) FROM journey_log"))
    finally:
        await conn.close()


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(int(len(values) * q), len(values) - 1)] if values else float("nan")


async def breakdown(url: str, redis_url: str) -> dict[str, float]:
    """Per add event, from the inbox rows and the welcome lane's timings (the last 5 000;
    arq's job results for an add that went to the main queue): edge arrival → stored →
    enqueued → welcome started → welcome answered (welcome_ms) → welcome finished."""
    from arq.connections import RedisSettings, create_pool
    from arq.jobs import Job

    from scrm.infra import welcome_lane
    from scrm.infra.job_names import inbox_job_id

    rows = await _rows(url)
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    parts: dict[str, list[float]] = {k: [] for k in ("store", "to_queue", "queue_wait", "job")}
    try:
        lane = await welcome_lane.timings(redis)
        for row_id, key, arrived, received in rows:
            parts["store"].append((received - arrived).total_seconds() * 1000)
            arrived_ms = arrived.timestamp() * 1000
            if (t := lane.get(row_id)) is not None:
                parts["to_queue"].append(t["enqueued"] - arrived_ms)
                parts["queue_wait"].append(t["started"] - t["enqueued"])
                parts["job"].append(t["done"] - t["started"])
                continue
            info = await Job(inbox_job_id(key, 0), redis).result_info()
            if info is None:
                continue
            parts["to_queue"].append((info.enqueue_time - arrived).total_seconds() * 1000)
            parts["queue_wait"].append(
                (info.start_time - info.enqueue_time).total_seconds() * 1000
            )
            parts["job"].append((info.finish_time - info.start_time).total_seconds() * 1000)
    finally:
        await redis.aclose()
    welcome_ms = await _welcome_ms(url)
    out = {f"{k}_p50_ms": _pct(v, 0.5) for k, v in parts.items()}
    out.update({f"{k}_p99_ms": _pct(v, 0.99) for k, v in parts.items()})
    out["welcome_ms_p50"], out["welcome_ms_p99"] = _pct(welcome_ms, 0.5), _pct(welcome_ms, 0.99)
    out["welcome_ms_mean"] = statistics.fmean(welcome_ms) if welcome_ms else float("nan")
    return out


async def _rows(url: str) -> list[tuple[int, str, datetime, datetime]]:
    sql = "SELECT id, key, arrived_at, received_at FROM inbox WHERE kind = '" + ADD_KIND + "'"
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://")) as db:
            got = db.execute(sql).fetchall()
        return [(i, k, _dt(a), _dt(r)) for i, k, a, r in got]
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        return [tuple(r) for r in await conn.fetch(sql)]  # type: ignore[misc]
    finally:
        await conn.close()


async def _welcome_ms(url: str) -> list[float]:
    sql = "SELECT welcome_ms FROM live_code_add WHERE welcome = 'sent'"
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://")) as db:
            return [float(r[0]) for r in db.execute(sql).fetchall()]
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        return [float(r[0]) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


def _dt(value: str) -> datetime:
    d = datetime.fromisoformat(value)
    return d if d.tzinfo else d.replace(tzinfo=UTC)


async def wait_until(at: datetime) -> None:
    await asyncio.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()))


async def settle_welcomes(box_url: str, expected: int, timeout: float) -> dict[str, Any]:
    deadline, welcomes = time.time() + timeout, {}
    async with aiohttp.ClientSession() as http:
        while time.time() < deadline and len(welcomes) < expected:
            await asyncio.sleep(0.5)
            async with http.get(f"{box_url}/sandbox/records", params={"kind": "welcome"}) as r:
                welcomes = {w["data"]["external_userid"]: w for w in (await r.json())["records"]}
    return welcomes
