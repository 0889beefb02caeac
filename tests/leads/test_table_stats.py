"""A lead table filled from empty in a burst gets planner statistics at once
(scrm/infra/table_stats): the merge lookup probes the phone index instead of walking every
live lead of the corp."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest
import redis.asyncio as aioredis
from tortoise import connections

from scrm.infra import table_stats
from scrm.infra.settings import Settings
from scrm.models import Lead
from tests.conftest import BACKEND

# The drain's merge lookup (scrm/services/lead_batch._merge), for 100 phones of the batch.
LOOKUP = (
    "SELECT id FROM lead WHERE (phone_index = ANY($1::text[]) OR unionid = ANY($2::text[])) "
    "AND corp_id = $3 AND merged_into_id IS NULL ORDER BY id DESC"
)


async def _grow(settings: Settings, n: int) -> list[str]:
    """n more leads like the first one, each with its own phone index, written by one
    connection that then hands its counts to the statistics collector at once."""
    conn = await asyncpg.connect(settings.database_url.replace("postgres://", "postgresql://"))
    try:
        cols = [
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'lead' "
                "AND table_schema = current_schema() AND column_name NOT IN ('id', 'phone_index')"
            )
        ]
        names = ", ".join(f'"{c}"' for c in cols)
        first = await conn.fetchval("SELECT MIN(id) FROM lead")
        base = await conn.fetchval("SELECT COUNT(*) FROM lead")
        await conn.execute(
            f"INSERT INTO lead ({names}, phone_index) SELECT {names}, 'ix' || (g + $2) "
            f"FROM lead, generate_series(1, $1) g WHERE lead.id = $3",
            n, base, first,
        )  # fmt: skip
        try:
            await conn.fetchval("SELECT pg_stat_force_next_flush()")  # PostgreSQL 15+
            await conn.fetchval("SELECT 1")  # the flush happens as this statement ends
        except asyncpg.UndefinedFunctionError:
            await asyncio.sleep(1.5)  # before 15: the stats collector's own delay
        return [f"ix{i}" for i in range(base + 1, base + n + 1, max(1, n // 100))][:100]
    finally:
        await conn.close()


async def _plan(phones: list[str]) -> str:
    rows = await connections.get("default").execute_query_dict(
        f"EXPLAIN (FORMAT JSON) {LOOKUP}", [phones, ["x"], 1]
    )
    return json.dumps(rows[0]["QUERY PLAN"])


@pytest.mark.skipif(BACKEND != "postgres", reason="LOUD SKIP: planner statistics are PostgreSQL's")
async def test_a_burst_filled_lead_table_is_analyzed_and_probed_by_index(
    db: Settings, redis_client: aioredis.Redis
) -> None:
    await Lead.create(corp_id=1, name="首个线索", phone_index="ix0")
    phones = await _grow(db, 40_000)
    # Never analyzed: PostgreSQL takes the table for nearly empty and walks the corp's leads.
    # (Column statistics outlive TRUNCATE: if autovacuum analyzed `lead` earlier in this
    # test session, the planner already knows better and there is nothing to show.)
    stats = await connections.get("default").execute_query_dict(
        "SELECT COUNT(*) AS n FROM pg_stats WHERE tablename = 'lead'"
    )
    if stats[0]["n"] == 0:
        assert "lead_corp_created" in await _plan(phones)
    table_stats._checked.clear()
    assert await table_stats.refresh(redis_client, ("lead", "lead_event")) == ["lead"]
    rows = await connections.get("default").execute_query_dict(
        "SELECT reltuples FROM pg_class WHERE relname = 'lead'"
    )
    assert rows[0]["reltuples"] >= 40_000
    plan = await _plan(phones)
    assert "phone_i" in plan and "Seq Scan" not in plan and "lead_corp_created" not in plan

    # Not grown since: nothing to do; and within CHECK_EVERY_S nothing is even read.
    table_stats._checked.clear()
    assert await table_stats.refresh(redis_client, ("lead", "lead_event")) == []
    await _grow(db, 41_000)  # more than doubled
    assert await table_stats.refresh(redis_client, ("lead", "lead_event")) == []  # throttled
    # Another process analyzing it: this one leaves it.
    table_stats._checked.clear()
    await redis_client.set("scrm:analyze:lead", "1", ex=10)
    assert await table_stats.refresh(redis_client, ("lead", "lead_event")) == []
    await redis_client.delete("scrm:analyze:lead")
    table_stats._checked.clear()
    assert await table_stats.refresh(redis_client, ("lead", "lead_event")) == ["lead"]


async def test_only_intake_tables_and_nothing_on_sqlite(
    db: Settings, redis_client: aioredis.Redis
) -> None:
    with pytest.raises(ValueError, match="staff"):
        await table_stats.refresh(redis_client, ("lead", "staff"))
    table_stats._checked.clear()
    got = await table_stats.refresh(redis_client, ("lead",))
    assert got == [] if BACKEND == "sqlite" else got in ([], ["lead"])


@pytest.mark.skipif(BACKEND != "postgres", reason="LOUD SKIP: planner statistics are PostgreSQL's")
async def test_a_failing_analyze_never_stops_the_intake(
    db: Settings, redis_client: aioredis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    await Lead.create(corp_id=1, name="首个线索", phone_index="ix0")
    await _grow(db, 2000)

    tried: list[str] = []

    async def refused(self: object, sql: str) -> None:
        tried.append(sql)
        raise PermissionError("must be owner of table lead")

    conn = connections.get("default")
    monkeypatch.setattr(type(conn), "execute_script", refused)
    table_stats._checked.clear()
    assert await table_stats.refresh(redis_client, ("lead",)) == []  # logged, not raised
    assert tried == ['ANALYZE "lead"']
