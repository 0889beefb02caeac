"""Migration 0023 fills `opportunity.last_activity_at` for deals made before it: the latest
of creation, stage change, follow-ups and tasks done, on the suite's database backend."""

from __future__ import annotations

from pathlib import Path

from tests.migrating import empty_database, run_script

# Runs in a child process: tortoise keeps one global context per process (decision 0003).
SCRIPT = r"""
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from bot.db import tortoise_config

URL = sys.argv[1]
D = "2026-01-%02d 00:00:00"
ROWS = [  # id, created, stage changed, follow-up at, task done at
    (1, D % 1, D % 5, D % 9, D % 7),
    (2, D % 1, D % 5, D % 2, D % 20),
    (3, D % 1, None, None, None),
]

async def main():
    config = tortoise_config(URL)
    await migrate(config=config, target="models.0022_reports")
    await Tortoise.init(config=config)
    conn = Tortoise.get_connection("default")
    now = "2026-01-01 00:00:00"
    await conn.execute_script(
        "INSERT INTO corp (id, corp_id, name, token, aes_key, secret, agent_id, active, "
        "timezone, created_at, updated_at, api_base) VALUES (1, 'ww1', 'c', '', '', '', 0, "
        f"true, 'Asia/Shanghai', '{now}', '{now}', '')"
    )
    await conn.execute_script(
        "INSERT INTO stage (id, corp_id, name, sequence, probability, is_won, is_lost, "
        f"required_fields, forecast_category, stale_days, created_at, updated_at) VALUES "
        f"(1, 1, 'Qualification', 10, 10, false, false, '[]', '', 7, '{now}', '{now}')"
    )
    for oid, created, changed, follow, done in ROWS:
        changed_sql = f"'{changed}'" if changed else "NULL"
        await conn.execute_script(
            "INSERT INTO opportunity (id, corp_id, name, owner_userid, stage_id, probability, "
            "amount, currency, next_step, forecast_category, \"values\", lost_reason, lost_note, "
            f"stage_changed_at, created_at, updated_at) VALUES ({oid}, 1, 'd{oid}', 'u', 1, 10, "
            f"0, 'CNY', '', 'pipeline', '{{}}', '', '', {changed_sql}, '{created}', '{created}')"
        )
        if follow:
            await conn.execute_script(
                "INSERT INTO follow_up (corp_id, userid, opportunity_id, external_userid, note, "
                f"at, created_at, updated_at) VALUES (1, 'u', {oid}, '', 'n', '{follow}', "
                f"'{follow}', '{follow}')"
            )
        if done:
            await conn.execute_script(
                "INSERT INTO task (corp_id, title, assignee, opportunity_id, external_userid, "
                f"done_at, created_at, updated_at) VALUES (1, 't', 'u', {oid}, '', '{done}', "
                f"'{done}', '{done}')"
            )
    await Tortoise.close_connections()
    await migrate(config=config)
    await Tortoise.init(config=config)
    rows = await Tortoise.get_connection("default").execute_query_dict(
        "SELECT id, last_activity_at FROM opportunity ORDER BY id"
    )
    for r in rows:
        print(r["id"], str(r["last_activity_at"])[:10])
    await Tortoise.close_connections()

asyncio.run(main())
"""


def test_migration_backfills_last_activity(tmp_path: Path) -> None:
    url = empty_database("backfill", tmp_path)
    out = run_script(SCRIPT, url, tmp_path)
    assert out.split("\n")[:3] == ["1 2026-01-09", "2 2026-01-20", "3 2026-01-01"]
