"""A big sync keeps PostgreSQL's statistics fresh: ANALYZE every ANALYZE_EVERY rows written,
so a page's customer lookup stays an index scan as the mirror tables fill."""

from __future__ import annotations

from tortoise import connections

from scrm.infra.settings import Settings
from scrm.sync.planner import PlannerStats
from tests.conftest import BACKEND


async def _analyzed(table: str) -> bool:
    rows = await connections.get("default").execute_query_dict(
        "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = $1", [table]
    )
    return bool(rows and rows[0]["last_analyze"])


async def test_statistics_refresh_every_n_rows(db: Settings) -> None:
    stats = PlannerStats(every=1_000)
    assert await stats.maybe_refresh(999) is False  # not yet due
    due = await stats.maybe_refresh(1_000)
    if BACKEND != "postgres":
        assert due is False and stats.runs == 0  # SQLite needs no statistics for these
        return
    assert due is True and stats.runs == 1
    for table in ("customer", "follow_relation", "group_chat", "group_member"):
        assert await _analyzed(table), table
    assert await stats.maybe_refresh(1_500) is False  # counted from the last refresh
    assert await stats.maybe_refresh(2_000) is True and stats.runs == 2
