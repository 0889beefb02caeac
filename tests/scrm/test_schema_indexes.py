"""The migrated schema holds every index the models declare, and every foreign key is indexed.

Declared: a table rebuild (SQLite's AlterField) once dropped `follow_relation`'s unique
(corp, staff, customer) index there while PostgreSQL kept it (migration 0031 repairs it).
Foreign keys: a lead's timeline, an opportunity's stage changes and quotes, a 群发's tasks,
a journey run's log: each is read by its parent's id, and PostgreSQL builds no index for a
foreign key. At a real corp's size (millions of timeline rows) one page or one cascade delete
would read the whole table. The migrated schema, on the suite's database, must index every
foreign key column by itself or right after `corp_id`; `corp_id` alone is exempt (every query
carries a more selective column beside it, and a corp is deleted once)."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.indexes import Index

from tests.conftest import BACKEND


async def _rows(sql: str) -> list[dict[str, Any]]:
    return await connections.get("default").execute_query_dict(sql)


async def _pg() -> tuple[set[tuple[str, str]], dict[str, list[list[str]]]]:
    fks = await _rows(
        "SELECT c.conrelid::regclass::text AS tbl, a.attname AS col FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"
    )
    idx = await _rows(
        "SELECT t.relname AS tbl, i.indexrelid, a.attname AS col, "
        "array_position(i.indkey::int2[], a.attnum) AS pos FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey) "
        "WHERE t.relnamespace = 'public'::regnamespace"
    )
    by_index: dict[Any, dict[int, str]] = {}
    for row in idx:
        by_index.setdefault((row["tbl"], row["indexrelid"]), {})[int(row["pos"])] = row["col"]
    indexes: dict[str, list[list[str]]] = {}
    for (tbl, _), cols in by_index.items():
        indexes.setdefault(tbl, []).append([cols[k] for k in sorted(cols)])
    return {(r["tbl"].strip('"'), r["col"]) for r in fks}, indexes


async def _sqlite() -> tuple[set[tuple[str, str]], dict[str, list[list[str]]]]:
    tables = [r["name"] for r in await _rows("SELECT name FROM sqlite_master WHERE type='table'")]
    fks: set[tuple[str, str]] = set()
    indexes: dict[str, list[list[str]]] = {}
    for tbl in tables:
        for fk in await _rows(f'PRAGMA foreign_key_list("{tbl}")'):
            fks.add((tbl, fk["from"]))
        for index in await _rows(f'PRAGMA index_list("{tbl}")'):
            cols = await _rows(f'PRAGMA index_info("{index["name"]}")')
            ordered = sorted(cols, key=lambda c: c["seqno"])
            indexes.setdefault(tbl, []).append([c["name"] for c in ordered])
    return fks, indexes


def _covered(col: str, indexes: list[list[str]]) -> bool:
    return any(cols[:1] == [col] or cols[:2] == ["corp_id", col] for cols in indexes)


async def test_every_foreign_key_is_indexed(db: object) -> None:
    fks, indexes = await (_pg() if BACKEND == "postgres" else _sqlite())
    assert ("lead_activity", "lead_id") in fks  # the catalog query sees the schema at all
    bare = sorted(
        f"{tbl}.{col}"
        for tbl, col in fks
        if col != "corp_id" and not _covered(col, indexes.get(tbl, []))
    )
    assert bare == []


def _declared() -> list[tuple[str, list[str]]]:
    """(table, columns) of every unique_together, Meta index and indexed or unique field."""
    out: list[tuple[str, list[str]]] = []
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        column = {n: getattr(f, "source_field", None) or f.source_field or n
                  for n, f in meta.fields_map.items()}  # fmt: skip
        groups = [list(g) for g in meta.unique_together]
        groups += [list(i.fields) if isinstance(i, Index) else list(i) for i in meta.indexes]
        groups += [[n] for n, f in meta.fields_map.items() if (f.index or f.unique) and not f.pk]
        out += [(meta.db_table, [column.get(c, c) for c in g]) for g in groups]
    return out


async def test_every_declared_index_is_in_the_schema(db: object) -> None:
    _, indexes = await (_pg() if BACKEND == "postgres" else _sqlite())
    declared = _declared()
    assert ("follow_relation", ["corp_id", "staff_id", "customer_id"]) in declared
    missing = sorted(f"{t}({', '.join(c)})" for t, c in declared if c not in indexes.get(t, []))
    assert missing == []
