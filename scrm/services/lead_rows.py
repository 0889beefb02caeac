"""Set-based lead writes: a batch of leads or activities in one statement, not one per row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise import connections

from scrm import vault
from scrm.models import Lead, LeadActivity

# Column → PostgreSQL array type; JSON travels as text and is cast on the way in.
_JSON = "jsonb"
LEAD_INSERT = {
    "corp_id": "bigint",
    "customer_id": "bigint",
    "name": "text",
    "phone": "text",
    "phone_index": "text",
    "other_phones": "text",
    "unionid": "text",
    "external_userid": "text",
    "platform": "text",
    "channel": "text",
    "campaign": "text",
    "ad_id": "text",
    "utm": _JSON,
    "city": "text",
    "attributes": _JSON,
    "attr_score": "int",
    "behaviour_score": "int",
    "rule_points": _JSON,
    "score": "int",
    "grade": "text",
    "status": "text",
    "owner_userid": "text",
    "in_pool": "bool",
    "assigned_at": "timestamptz",
    "last_activity_at": "timestamptz",
    "touches": "int",
}
# What a push can change on a known lead (the phones only when it brought a new one: they are
# re-encrypted on every write, so they are written apart, for the few leads that need it).
LEAD_MERGE = (
    "name", "unionid", "city", "ad_id", "utm", "attributes", "attr_score", "behaviour_score",
    "rule_points", "score", "grade", "status", "touches", "last_activity_at",
)  # fmt: skip
LEAD_PHONES = ("phone", "phone_index", "other_phones")
LEAD_OWNER = ("owner_userid", "in_pool", "assigned_at")
ACTIVITY = {"corp_id": "bigint", "lead_id": "bigint", "kind": "text", "points": "int",
            "actor": "text", "data": _JSON, "at": "timestamptz"}  # fmt: skip


def _encoder(model: type[Any], column: str) -> Callable[[Any], Any]:
    field = model._meta.fields_map.get(column)
    if column in ("phone", "other_phones"):
        return lambda v: vault.current().encrypt(str(v)) if v else v
    if field is not None and field.__class__.__name__ == "JSONField":
        encode = field.encoder
        return lambda v: encode(v) if v is not None else None
    return lambda v: v


def _arrays(model: type[Any], rows: Sequence[Any], columns: Sequence[str]) -> list[list[Any]]:
    encoders = [_encoder(model, c) for c in columns]
    return [
        [enc(getattr(row, c)) for row in rows] for c, enc in zip(columns, encoders, strict=True)
    ]


def _unnest(types: Sequence[str], first: int = 1) -> tuple[str, list[str]]:
    """`unnest($1::bigint[], …) AS v(c0, …)` and its columns as values (JSON cast back)."""
    args = ", ".join(f"${first + i}::{'text' if t == _JSON else t}[]" for i, t in enumerate(types))
    names = ", ".join(f"c{i}" for i in range(len(types)))
    picks = [f"v.c{i}::jsonb" if t == _JSON else f"v.c{i}" for i, t in enumerate(types)]
    return f"unnest({args}) AS v({names})", picks


def _postgres() -> bool:
    return bool(connections.get("default").capabilities.dialect == "postgres")


async def insert_leads(leads: list[Lead], now: datetime | None = None) -> None:
    """Insert new leads and give each its id. PostgreSQL: ids from the sequence, then one
    `INSERT … SELECT FROM unnest(…)`; SQLite (one writer, in-process) inserts row by row."""
    if not leads:
        return
    now = now or datetime.now(UTC)
    if not _postgres():
        for lead in leads:
            await lead.save()
        return
    conn = connections.get("default")
    ids = await conn.execute_query_dict(
        "SELECT nextval(pg_get_serial_sequence('lead', 'id')) AS id FROM generate_series(1, $1)",
        [len(leads)],
    )
    for lead, row in zip(leads, ids, strict=True):
        lead.id = int(row["id"])
        lead.created_at = lead.updated_at = now
        lead._saved_in_db = True
    columns = list(LEAD_INSERT)
    source, picks = _unnest(["bigint", "timestamptz", *LEAD_INSERT.values()])
    sql = (
        f'INSERT INTO "lead" (id, created_at, updated_at, {", ".join(columns)}) '
        f"SELECT v.c0, v.c1, v.c1, {', '.join(picks[2:])} FROM {source}"
    )
    await conn.execute_query(
        sql, [[x.id for x in leads], [now] * len(leads), *_arrays(Lead, leads, columns)]
    )


async def update_leads(
    leads: list[Lead], columns: Sequence[str], now: datetime | None = None
) -> None:
    """Write `columns` of many leads: one `UPDATE … FROM unnest(…)` on PostgreSQL."""
    if not leads:
        return
    now = now or datetime.now(UTC)
    if not _postgres():
        await Lead.bulk_update(leads, fields=list(columns))
        return
    types = [LEAD_INSERT[c] for c in columns]
    source, picks = _unnest(["bigint", *types], first=2)
    sets = ", ".join(f"{c} = {p}" for c, p in zip(columns, picks[1:], strict=True))
    sql = f'UPDATE "lead" SET updated_at = $1, {sets} FROM {source} WHERE "lead".id = v.c0'
    await connections.get("default").execute_query(
        sql, [now, [x.id for x in leads], *_arrays(Lead, leads, columns)]
    )
    for lead in leads:
        lead.updated_at = now


async def insert_activities(rows: list[LeadActivity], now: datetime | None = None) -> None:
    """A batch's timeline rows in one statement (ids are not read back: nothing needs them)."""
    if not rows:
        return
    if not _postgres():
        await LeadActivity.bulk_create(rows)
        return
    now = now or datetime.now(UTC)
    source, picks = _unnest(["timestamptz", *ACTIVITY.values()])
    sql = (
        f"INSERT INTO lead_activity (created_at, updated_at, {', '.join(ACTIVITY)}) "
        f"SELECT v.c0, v.c0, {', '.join(picks[1:])} FROM {source}"
    )
    await connections.get("default").execute_query(
        sql, [[now] * len(rows), *_arrays(LeadActivity, rows, list(ACTIVITY))]
    )
