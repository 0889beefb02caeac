"""Migration 0034 on a database at 0033, on the suite's backend: the schema (columns, types,
defaults, indexes) is the same after it, rows written by the earlier release keep their strings
and read back as enum members (the lead push status `failed` of releases before retry/dead
too), and the migration state matches the models (nothing left for makemigrations)."""

from __future__ import annotations

from pathlib import Path

from tests.migrating import empty_database, run_script

# A child process: tortoise keeps one global context per process (decision 0003).
SCRIPT = r"""
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from tortoise.migrations.autodetector import MigrationAutodetector
from bot.db import tortoise_config

URL = sys.argv[1]
PG = URL.startswith("postgres")
T = "2026-01-01 00:00:00"
ROWS = [  # table, closed-set columns: the strings the 0033 release wrote
    ("lead", {"status": "mql", "grade": "A"}),
    ("lead_event", {"status": "failed"}),
    ("handover", {"kind": "resigned", "status": "limit"}),
    ("sync_run", {"trigger": "first", "only": "", "status": "interrupted"}),
]

async def schema(conn):
    if PG:
        cols = await conn.execute_query_dict(
            "SELECT table_name, column_name, data_type, character_maximum_length, "
            "is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, column_name"
        )
        idx = await conn.execute_query_dict(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "ORDER BY indexname"
        )
        return [tuple(r.values()) for r in cols + idx]
    rows = await conn.execute_query_dict(
        "SELECT type, name, sql FROM sqlite_master WHERE name <> 'tortoise_migrations' "
        "ORDER BY type, name"
    )
    return [tuple(r.values()) for r in rows]

async def main():
    config = tortoise_config(URL)
    await migrate(config=config, target="models.0033_masssendclaims")
    await Tortoise.init(config=config)
    conn = Tortoise.get_connection("default")
    await conn.execute_script(
        "INSERT INTO corp (id, corp_id, name, token, aes_key, secret, agent_id, active, "
        f"timezone, created_at, updated_at, api_base) VALUES (1, 'ww1', 'c', '', '', '', 0, "
        f"true, 'Asia/Shanghai', '{T}', '{T}', '')"
    )
    await conn.execute_script(
        "INSERT INTO lead (id, corp_id, created_at, updated_at, name, unionid, external_userid, "
        "platform, channel, campaign, ad_id, utm, city, attributes, attr_score, "
        "behaviour_score, rule_points, score, grade, status, owner_userid, in_pool, touches) "
        f"VALUES (1, 1, '{T}', '{T}', '', '', '', 'form', '', '', '', '{{}}', '', '{{}}', 0, 0, "
        "'{}', 0, 'A', 'mql', '', false, 1)"
    )
    await conn.execute_script(
        'INSERT INTO lead_source (id, corp_id, created_at, updated_at, platform, "key", name, '
        f"secret, channel, campaign, active) VALUES (1, 1, '{T}', '{T}', 'form', 'k', '', '', "
        "'', '', true)"
    )
    await conn.execute_script(
        "INSERT INTO lead_event (id, corp_id, source_id, created_at, updated_at, platform, "
        f"message_id, body, status, error, attempts) VALUES (1, 1, 1, '{T}', '{T}', 'form', "
        "'m1', '', 'failed', 'old', 3)"
    )
    await conn.execute_script(
        "INSERT INTO handover (id, corp_id, created_at, updated_at, kind, batch, "
        "handover_userid, takeover_userid, external_userid, chat_id, status, errcode, reason, "
        f"message, operator, checks, moved) VALUES (1, 1, '{T}', '{T}', 'resigned', 'b', 'u1', "
        "'u2', 'wm1', '', 'limit', 0, '', '', '', 0, '{}')"
    )
    await conn.execute_script(
        'INSERT INTO sync_run (id, corp_id, created_at, updated_at, "trigger", "only", status, '
        "counts, api_calls, rows_written, duration_ms, errors, resumed) VALUES "
        f"(1, 1, '{T}', '{T}', 'first', '', 'interrupted', '{{}}', 0, 0, 0, '[]', false)"
    )
    before = await schema(conn)
    await Tortoise.close_connections()

    await migrate(config=config, target="models.0034_closed_sets")
    await Tortoise.init(config=config)
    conn = Tortoise.get_connection("default")
    applied = await conn.execute_query_dict(
        "SELECT name FROM tortoise_migrations WHERE name = '0034_closed_sets'"
    )
    print("applied", len(applied))
    print("schema same", before == await schema(conn))
    await Tortoise.close_connections()
    await migrate(config=config)  # the later migrations too, for the models' own reads
    await Tortoise.init(config=config)
    conn = Tortoise.get_connection("default")
    from scrm.models import Handover, Lead, LeadEvent, SyncRun
    models = {"lead": Lead, "lead_event": LeadEvent, "handover": Handover, "sync_run": SyncRun}
    for table, stored in ROWS:
        names = ", ".join(f'"{c}"' for c in stored)
        raw = (await conn.execute_query_dict(f'SELECT {names} FROM "{table}" WHERE id = 1'))[0]
        row = await models[table].get(id=1)
        read = {c: (type(getattr(row, c)).__name__, getattr(row, c).value) for c in stored}
        print(table, raw == stored, read)
    detector = MigrationAutodetector(Tortoise.apps, config["apps"])
    print("pending", [op.describe() for w in await detector.changes() for op in w.operations])
    await Tortoise.close_connections()

asyncio.run(main())
"""


def test_0034_changes_no_column_and_old_rows_read_as_members(tmp_path: Path) -> None:
    url = empty_database("closed_sets", tmp_path)
    lines = run_script(SCRIPT, url, tmp_path).strip().split("\n")
    assert lines == [
        "applied 1",
        "schema same True",
        "lead True {'status': ('LeadStatus', 'mql'), 'grade': ('Grade', 'A')}",
        "lead_event True {'status': ('LeadEventStatus', 'failed')}",
        "handover True {'kind': ('HandoverKind', 'resigned'), 'status': ('HandoverStatus', "
        "'limit')}",
        "sync_run True {'trigger': ('SyncTrigger', 'first'), 'only': ('SyncStep', ''), "
        "'status': ('SyncStatus', 'interrupted')}",
        "pending []",
    ]
