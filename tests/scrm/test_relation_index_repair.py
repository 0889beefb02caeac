"""Migration 0031 on SQLite: the friend relations 0018's table rebuild left without their unique
index are kept once (the latest written), and the index is back, refusing a new duplicate."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BACKEND
from tests.migrating import run_script

# A child process: tortoise keeps one global context per process (decision 0003).
SCRIPT = r"""
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from bot.db import tortoise_config

URL = sys.argv[1]
T0, T1 = "2026-01-01 00:00:00", "2026-02-01 00:00:00"

async def main():
    config = tortoise_config(URL)
    await migrate(config=config, target="models.0030_journeylanes")
    await Tortoise.init(config=config)
    conn = Tortoise.get_connection("default")
    await conn.execute_script(
        "INSERT INTO corp (id, corp_id, name, token, aes_key, secret, agent_id, active, "
        f"timezone, created_at, updated_at, api_base) VALUES (1, 'ww1', 'c', '', '', '', 0, 1, "
        f"'Asia/Shanghai', '{T0}', '{T0}', '');"
        "INSERT INTO staff (id, corp_id, userid, name, department_ids, manager_userid, "
        f"has_contact_permission, active, created_at, updated_at) VALUES (1, 1, 'zhangsan', "
        f"'张三', '[]', '', 1, 1, '{T0}', '{T0}');"
    )
    for cid in (1, 2):
        await conn.execute_script(
            "INSERT INTO customer (id, corp_id, external_userid, name, avatar, type, gender, "
            "unionid, corp_name, first_channel, position, created_at, updated_at) VALUES "
            f"({cid}, 1, 'wm{cid}', '客户{cid}', '', 1, 0, '', '', '', '', '{T0}', '{T0}')"
        )
    # Customer 1 twice (a race the lost index let through): the later-updated row is kept.
    for rid, cid, remark, at in ((1, 1, 'old', T1), (2, 1, 'new', T1), (3, 2, 'only', T0)):
        at = T0 if remark == 'old' else at
        await conn.execute_script(
            "INSERT INTO follow_relation (id, corp_id, staff_id, customer_id, status, state, "
            "remark, description, tag_ids, add_way, welcome_code, mobile_indexes, oper_userid, "
            f"created_at, updated_at) VALUES ({rid}, 1, 1, {cid}, 'active', '', '{remark}', '', "
            f"'[]', 0, '', '[]', '', '{T0}', '{at}')"
        )
    await Tortoise.close_connections()
    await migrate(config=config)
    await Tortoise.init(config=config)
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict("SELECT id, remark FROM follow_relation ORDER BY id")
    print(" ".join(f"{r['id']}:{r['remark']}" for r in rows))
    try:
        await conn.execute_script(
            "INSERT INTO follow_relation (corp_id, staff_id, customer_id, status, state, "
            "remark, description, tag_ids, add_way, welcome_code, mobile_indexes, oper_userid, "
            f"created_at, updated_at) VALUES (1, 1, 2, 'active', '', 'dup', '', '[]', 0, '', "
            f"'[]', '', '{T0}', '{T0}')"
        )
        print("duplicate accepted")
    except Exception as exc:
        print("duplicate refused:", type(exc).__name__)
    await Tortoise.close_connections()

asyncio.run(main())
"""


@pytest.mark.skipif(
    BACKEND != "sqlite", reason="PostgreSQL never lost the index (0018 changed nothing there)"
)
def test_duplicates_kept_once_and_the_unique_index_is_back(tmp_path: Path) -> None:
    out = run_script(SCRIPT, f"sqlite://{tmp_path / 'repair.db'}", tmp_path)
    kept, refused = out.strip().split("\n")
    assert kept == "2:new 3:only"
    assert refused == "duplicate refused: IntegrityError"
