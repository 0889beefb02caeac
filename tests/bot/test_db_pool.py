"""The PostgreSQL pool skips RESET ALL on release yet still rolls back open transactions."""

from __future__ import annotations

import pytest
from tortoise import Tortoise

from bot.db import tortoise_config
from scrm.infra.settings import Settings


def test_sqlite_config_is_the_url_with_its_pragmas() -> None:
    conn = tortoise_config("sqlite:///tmp/x.db")["connections"]["default"]
    assert conn == "sqlite:///tmp/x.db?synchronous=NORMAL"


async def test_release_keeps_the_session_and_rolls_back_a_transaction(db: Settings) -> None:
    if not db.database_url.startswith("postgres"):
        pytest.skip("the asyncpg pool is PostgreSQL's (this test runs in the PostgreSQL pass)")
    client = Tortoise.get_connection("default")
    pool = client._pool  # type: ignore[attr-defined]
    assert pool._reset is not None  # ours, not asyncpg's default RESET ALL
    async with pool.acquire() as conn:
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        await conn.execute("SET application_name = 'kept'")
        await conn.execute("BEGIN")
        await conn.execute("CREATE TEMP TABLE t_left_open (x int)")
    # The same connection again (a pool of one would be certain; find it by its pid).
    for _ in range(pool.get_size()):
        async with pool.acquire() as conn:
            if await conn.fetchval("SELECT pg_backend_pid()") != pid:
                continue
            assert await conn.fetchval("SHOW application_name") == "kept"
            assert not conn.is_in_transaction()
            gone = await conn.fetchval("SELECT to_regclass('pg_temp.t_left_open')")
            assert gone is None  # the open transaction was rolled back, not committed
            return
    pytest.fail("the released connection was not returned to the pool")
