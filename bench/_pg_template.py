"""A benchmark database cloned from a migrated template: a second instead of ~30 s of migrating."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from pathlib import Path

from bench._procs import pg_name

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def pg_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def migrations_digest() -> str:
    """Changes whenever a migration is added or edited: the template is then made again."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "scrm" / "migrations").glob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:24]


async def migrated_pg(db: str, migrate: Callable[[str], None]) -> str:
    """Drop and create `db` (SCRM_BENCH_PG_SUFFIX appended) as a copy of `<db>_tpl`, which
    `migrate(url)` migrated for the current migrations (kept for the next run, named by its
    digest in the database's comment); returns the URL."""
    import asyncpg

    name = pg_name(db)
    template = f"{name}_tpl"
    digest = migrations_digest()
    conn = await asyncpg.connect(ADMIN)
    try:
        have = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            template,
        )
        if have != digest:
            await conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{template}"')
            await asyncio.to_thread(migrate, pg_url(template))
            await conn.execute(f"""COMMENT ON DATABASE "{template}" IS '{digest}'""")
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()
    return pg_url(name)
