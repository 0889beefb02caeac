"""Multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING`, for both databases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise import connections

# Parameters per statement, well below asyncpg's 32 767 and old SQLite builds' 999.
MAX_PARAMS = {"postgres": 20_000, "sqlite": 900}


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    conflict: tuple[str, ...] = ()  # the unique key's columns (none: plain inserts)
    # Also skip rows that collide on the table's other unique keys (the rows are still told
    # apart by `conflict`, which RETURNING names).
    any_conflict: bool = False

    def max_rows(self, dialect: str) -> int:
        return max(1, MAX_PARAMS.get(dialect, 900) // len(self.columns))

    def sql(self, dialect: str, rows: int) -> str:
        width = len(self.columns)
        groups = []
        for r in range(rows):
            marks = (f"${r * width + i}" if dialect == "postgres" else "?"
                     for i in range(1, width + 1))  # fmt: skip
            groups.append(f"({', '.join(marks)})")
        head = f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES {', '.join(groups)}"
        if not self.conflict:  # a log: every row is new
            return head
        keys = ", ".join(self.conflict)
        target = "" if self.any_conflict else f" ({keys})"
        return f"{head} ON CONFLICT{target} DO NOTHING RETURNING id, {keys}"


async def insert_ignore(table: Table, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Insert `rows` (in `table.columns` order); returns id and key of the rows that were new.
    Datetimes must be UTC: SQLite compares them as text (decision 0009)."""
    conn = connections.get("default")
    new: list[dict[str, Any]] = []
    step = table.max_rows(conn.capabilities.dialect)
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        params = [v for row in chunk for v in row]
        # execute_query_dict, not execute_query: tortoise's asyncpg client runs any INSERT with
        # `execute` and drops the RETURNING rows (every new row looked like a duplicate).
        new += await conn.execute_query_dict(
            table.sql(conn.capabilities.dialect, len(chunk)), params
        )
    return new


async def insert_all(table: Table, rows: Sequence[Sequence[Any]]) -> None:
    """Insert every row of a table without a unique key (logs): COPY on PostgreSQL (several
    times faster than parameters for 10 000s of rows), multi-row INSERTs on SQLite."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres" and rows:
        async with conn.acquire_connection() as raw:
            await raw.copy_records_to_table(
                table.name, records=[tuple(r) for r in rows], columns=list(table.columns)
            )
        return
    step = table.max_rows(conn.capabilities.dialect)
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        await conn.execute_query(
            table.sql(conn.capabilities.dialect, len(chunk)), [v for row in chunk for v in row]
        )


async def update_ids(table: str, ids: Sequence[int], values: dict[str, Any]) -> None:
    """`UPDATE table SET … WHERE id IN (…)`: one statement with an array on PostgreSQL,
    500 ids a statement on SQLite."""
    conn = connections.get("default")
    pg = conn.capabilities.dialect == "postgres"
    names = list(values)
    if pg:
        sets = ", ".join(f"{name} = ${i + 1}" for i, name in enumerate(names))
        sql = f"UPDATE {table} SET {sets} WHERE id = ANY(${len(names) + 1}::bigint[])"
        await conn.execute_query(sql, [*values.values(), list(ids)])
        return
    sets = ", ".join(f"{name} = ?" for name in names)
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        await conn.execute_query(
            f"UPDATE {table} SET {sets} WHERE id IN ({marks})", [*values.values(), *chunk]
        )
