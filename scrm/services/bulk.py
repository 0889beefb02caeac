"""Multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING`, for both databases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise import connections

MAX_PARAMS = 900  # per statement, well below SQLite's and asyncpg's limits


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    conflict: tuple[str, ...]  # the unique key's columns

    @property
    def max_rows(self) -> int:
        return max(1, MAX_PARAMS // len(self.columns))

    def sql(self, dialect: str, rows: int) -> str:
        width = len(self.columns)
        groups = []
        for r in range(rows):
            marks = (f"${r * width + i}" if dialect == "postgres" else "?"
                     for i in range(1, width + 1))  # fmt: skip
            groups.append(f"({', '.join(marks)})")
        keys = ", ".join(self.conflict)
        return (f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES {', '.join(groups)} "
                f"ON CONFLICT ({keys}) DO NOTHING RETURNING id, {keys}")  # fmt: skip


async def insert_ignore(table: Table, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Insert `rows` (in `table.columns` order); returns id and key of the rows that were new.
    Datetimes must be UTC: SQLite compares them as text (decision 0009)."""
    conn = connections.get("default")
    new: list[dict[str, Any]] = []
    for start in range(0, len(rows), table.max_rows):
        chunk = rows[start : start + table.max_rows]
        params = [v for row in chunk for v in row]
        # execute_query_dict, not execute_query: tortoise's asyncpg client runs any INSERT with
        # `execute` and drops the RETURNING rows (every new row looked like a duplicate).
        new += await conn.execute_query_dict(
            table.sql(conn.capabilities.dialect, len(chunk)), params
        )
    return new
