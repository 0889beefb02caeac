"""Migration 0030 deals the journey runs made before it to their owners' lanes, on the suite's
database backend (runs of one owner share a lane; the lane is the one enrolment writes)."""

from __future__ import annotations

from pathlib import Path

from scrm.models.sop import journey_lane
from tests.migrating import empty_database, run_script

# Runs in a child process: tortoise keeps one global context per process (decision 0003).
SCRIPT = r"""
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from bot.db import tortoise_config

URL, NOW = sys.argv[1], "2026-01-01 00:00:00"
OWNERS = ["zhangsan", "lisi", "wangwu", "赵六"]

async def main():
    config = tortoise_config(URL)
    await migrate(config=config, target="models.0029_fastreports")
    await Tortoise.init(config=config)
    conn = Tortoise.get_connection("default")
    await conn.execute_script(
        "INSERT INTO corp (id, corp_id, name, token, aes_key, secret, agent_id, active, "
        "timezone, created_at, updated_at, api_base) VALUES (1, 'ww1', 'c', '', '', '', 0, "
        f"true, 'Asia/Shanghai', '{NOW}', '{NOW}', '')"
    )
    await conn.execute_script(
        "INSERT INTO journey (id, corp_id, name, trigger, nodes, per_day_cap, per_week_cap, "
        "quiet_start, quiet_end, status, exit_tags, send_window_minutes, created_at, "
        f"updated_at) VALUES (1, 1, 'j', '{{}}', '[]', 1, 1, '00:00', '00:00', 'active', "
        f"'[]', 1, '{NOW}', '{NOW}')"
    )
    for i in range(40):
        await conn.execute_script(
            "INSERT INTO journey_run (corp_id, journey_id, external_userid, owner_userid, "
            "node_id, due_at, status, entry, created_at, updated_at) VALUES (1, 1, "
            f"'wm{i}', '{OWNERS[i % 4]}', 's1', '{NOW}', 'active', '', '{NOW}', '{NOW}')"
        )
    await Tortoise.close_connections()
    await migrate(config=config)
    await Tortoise.init(config=config)
    rows = await Tortoise.get_connection("default").execute_query_dict(
        "SELECT DISTINCT owner_userid, lane FROM journey_run ORDER BY owner_userid"
    )
    for r in rows:
        print(r["owner_userid"], r["lane"])
    await Tortoise.close_connections()

asyncio.run(main())
"""


def test_migration_deals_existing_runs_to_their_owners_lanes(tmp_path: Path) -> None:
    url = empty_database("lanes", tmp_path)
    out = run_script(SCRIPT, url, tmp_path)
    got = dict(line.split(" ") for line in out.strip().split("\n"))
    owners = ["zhangsan", "lisi", "wangwu", "赵六"]
    assert got == {o: str(journey_lane(o)) for o in owners}  # one lane per owner, enrolment's
    assert len(set(got.values())) > 1  # and the owners are spread, not all in lane 0
