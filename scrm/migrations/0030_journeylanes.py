"""Journey runs get their owner's lane, so scanners share the work by lane (decision 0034)."""

import zlib
from typing import Any

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

LANES = 12  # frozen here: scrm.models.sop.JOURNEY_LANES may change, this migration may not
CHUNK = 500  # owners per UPDATE, well inside SQLite's parameter limit


async def forward(apps: Any, editor: Any) -> None:
    """Every existing run is dealt to its owner's lane (the same CRC-32 as `journey_lane`)."""
    client = editor.client
    pg = client.capabilities.dialect == "postgres"
    rows = await client.execute_query_dict("SELECT DISTINCT owner_userid FROM journey_run")
    by_lane: dict[int, list[str]] = {}
    for row in rows:
        owner = str(row["owner_userid"])
        by_lane.setdefault(zlib.crc32(owner.encode()) % LANES, []).append(owner)
    for lane, owners in by_lane.items():
        for start in range(0, len(owners), CHUNK):
            chunk = owners[start : start + CHUNK]
            marks = ", ".join(f"${i + 2}" if pg else "?" for i in range(len(chunk)))
            await client.execute_query(
                f"UPDATE journey_run SET lane = {'$1' if pg else '?'} "
                f"WHERE owner_userid IN ({marks})",
                [lane, *chunk],
            )


async def backward(apps: Any, editor: Any) -> None:
    """Nothing to undo: removing the field drops the lanes with it."""


class Migration(migrations.Migration):
    dependencies = [("models", "0029_fastreports")]

    initial = False

    operations = [
        ops.AddField(
            model_name="JourneyRun",
            name="lane",
            field=fields.SmallIntField(default=0, db_default=0),
        ),
        ops.AddIndex(
            model_name="JourneyRun",
            index=Index(fields=["lane", "due_at"]),
        ),
        ops.RunPython(forward, backward),
        # release_stuck runs at every scanner's start, now on every worker each second it
        # scans: `status = 'running' AND updated_at < …` read the whole table. Partial, so it
        # holds only the runs being walked; SQL both databases run.
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_journey_run_running" ON "journey_run" ("updated_at") '
            "WHERE \"status\" = 'running'",
            reverse_sql='DROP INDEX IF EXISTS "idx_journey_run_running"',
        ),
    ]
