"""Planner statistics for tables that grow in bursts: ANALYZE them when autovacuum lags behind.

A new corp's first lead burst or import fills `lead` from empty in seconds. Autovacuum looks
at a table at most once a minute, so for that minute PostgreSQL plans the merge lookup
(`phone_index IN (…) OR unionid IN (…)`) as if the table were empty: it scans every live
lead of the corp instead of probing the two indexes, 25 ms a batch at 70 000 leads instead
of 0.6 ms, growing with the table (docs/benchmarks.md, "Lead ingest: stale statistics").
Writers of such tables call `refresh` after each batch; it analyzes a table once it has
doubled since its last ANALYZE, so a table growing from empty is analyzed O(log n) times.
"""

from __future__ import annotations

import time
from typing import Any

from redis.exceptions import RedisError
from tortoise import connections

from scrm.infra.logging import get_logger

log = get_logger("scrm.infra.table_stats")

CHECK_EVERY_S = 2.0  # per process: pg_stat_user_tables is cheap, but not free per batch
MIN_CHANGED = 1000  # below this the planner's guesses cost little
GROWTH = 1.0  # changed rows since the last ANALYZE, as a share of the rows it saw
LOCK_S = 10  # one process analyzes a table at a time (two would queue on its lock)
TABLES = frozenset({"lead", "lead_event", "customer", "follow_relation"})

_checked: dict[tuple[str, ...], float] = {}


async def refresh(redis: Any, tables: tuple[str, ...]) -> list[str]:
    """ANALYZE those of `tables` that have doubled since their statistics were taken;
    returns their names. PostgreSQL only; at most every CHECK_EVERY_S per process."""
    if not set(tables) <= TABLES:
        raise ValueError(f"not an intake table: {sorted(set(tables) - TABLES)}")
    conn = connections.get("default")
    if conn.capabilities.dialect != "postgres":
        return []
    now = time.monotonic()
    if now - _checked.get(tables, -CHECK_EVERY_S) < CHECK_EVERY_S:
        return []
    _checked[tables] = now
    try:
        return await _analyze_grown(conn, redis, tables)
    except Exception as exc:  # an optimisation: a failure here must never stop an intake
        log.warning("table_stats.failed", tables=list(tables), error=type(exc).__name__)
        return []


async def _analyze_grown(conn: Any, redis: Any, tables: tuple[str, ...]) -> list[str]:
    rows = await conn.execute_query_dict(
        "SELECT relname, n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables "
        "WHERE schemaname = current_schema() AND relname = ANY($1::text[])",
        [list(tables)],
    )
    done = []
    for row in rows:
        changed, live = int(row["n_mod_since_analyze"]), int(row["n_live_tup"])
        seen = max(live - changed, 0)  # about what the last ANALYZE saw (a growing table)
        if changed < MIN_CHANGED or changed < GROWTH * seen:
            continue
        name = str(row["relname"])
        try:
            if not await redis.set(f"scrm:analyze:{name}", "1", nx=True, ex=LOCK_S):
                continue  # another process is at it
        except (RedisError, OSError):
            continue  # autovacuum will get there
        started = time.perf_counter()
        await conn.execute_script(f'ANALYZE "{name}"')  # a name from TABLES, never input
        log.info("table_stats.analyzed", table=name, rows=live, changed=changed,
                 ms=round((time.perf_counter() - started) * 1000))  # fmt: skip
        done.append(name)
    return done
