"""Fresh PostgreSQL planner statistics while a big sync fills the mirror tables."""

from __future__ import annotations

from tortoise import connections

# A first sync writes hundreds of thousands of rows into tables the planner last saw empty.
# Without fresh statistics PostgreSQL keeps planning each page's `external_userid IN (…)`
# lookup as a sequential scan (seen: 0.5–1.7 s a page at 180 000 customers where autovacuum
# was off or had not caught up). ANALYZE samples a fixed number of rows: about 0.1 s.
ANALYZE_EVERY = 20_000  # rows written between two refreshes
TABLES = ("customer", "follow_relation", "group_chat", "group_member")


class PlannerStats:
    """Runs ANALYZE on the mirror tables every ANALYZE_EVERY rows a run writes (PostgreSQL
    only: SQLite plans these lookups from its indexes without statistics)."""

    def __init__(self, every: int = ANALYZE_EVERY) -> None:
        self.every = every
        self.last = 0
        self.runs = 0

    async def maybe_refresh(self, rows_written: int) -> bool:
        if rows_written - self.last < self.every:
            return False
        self.last = rows_written
        conn = connections.get("default")
        if conn.capabilities.dialect != "postgres":
            return False
        await conn.execute_script("ANALYZE " + ", ".join(f'"{t}"' for t in TABLES))
        self.runs += 1
        return True
