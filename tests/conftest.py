"""Shared fixtures: settings for SQLite or PostgreSQL, a migrated database, real Redis."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from tortoise import connections

from bot.db import close_db, init_db, migrate
from scrm.infra.settings import Settings, override_settings
from wecom.crypto import WeComCrypto

pytest_plugins = ["tests.wecom.sandbox_fixtures", "tests.log_guard"]

# The project's own test corp (wecom-reference.md §1.7 Set D keys).
CORP_ID = "ww1436e0e65a779aee"
TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
SECRET = "test-corp-secret"

# SCRM_TEST_DATABASE=postgres runs the whole suite on the real PostgreSQL; .ci/run does both.
BACKEND = os.environ.get("SCRM_TEST_DATABASE", "sqlite")
PG_ADMIN_URL = os.environ.get("SCRM_TEST_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
PG_TEST_DB = os.environ.get("SCRM_TEST_PG_DB", "scrm_test")
REDIS_URL = os.environ.get("SCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _pg_url(db: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + db


def make_settings(database_url: str, **extra: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "redis_url": REDIS_URL,
        "secret_key": "test-master-key-0123456789abcdef",
        "wecom_corp_id": CORP_ID,
        "wecom_token": TOKEN,
        "wecom_aes_key": AES_KEY,
        "wecom_secret": SECRET,
        "wecom_agent_id": 1000002,
        "callback_max_skew_seconds": 0,
        "inbox_sweep_seconds": 0.2,
        "inbox_backoff_seconds": 0.2,
        "log_level": "WARNING",
    }
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


async def _recreate_pg_database() -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{PG_TEST_DB}"')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the real migrations once per session; tests start from a copy or a truncation."""
    if BACKEND == "postgres":
        try:
            asyncio.run(_recreate_pg_database())
        except OSError as exc:  # pragma: no cover - loud, never silent
            pytest.exit(f"SCRM_TEST_DATABASE=postgres but PostgreSQL is unreachable: {exc}", 2)
        url = _pg_url(PG_TEST_DB)
    else:
        url = f"sqlite://{tmp_path_factory.mktemp('db') / 'template.db'}"
    asyncio.run(migrate(make_settings(url)))
    yield url


@pytest.fixture
def database_url(template_db: str, tmp_path: Path) -> str:
    if BACKEND == "postgres":
        return template_db
    target = tmp_path / f"{uuid.uuid4().hex[:8]}.db"
    shutil.copy(template_db.removeprefix("sqlite://"), target)
    return f"sqlite://{target}"


async def _truncate_pg() -> None:
    conn = connections.get("default")
    _, rows = await conn.execute_query(
        "SELECT tablename FROM pg_tables WHERE schemaname='public' "
        "AND tablename <> 'tortoise_migrations'"
    )
    names = ", ".join(f'"{r["tablename"]}"' for r in rows)
    if names:
        await conn.execute_script(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
async def redis_client() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    except OSError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is required for this test and is unreachable: {exc}")
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


def _clear_process_caches() -> None:
    """Each test has a fresh database whose ids start again at 1: caches keyed by primary key
    (sources, corps, scoring rules, tokens) must not carry over from the previous test."""
    from scrm.infra import cache
    from scrm.infra import enqueue as lead_hooks

    cache.clear_all()
    lead_hooks._last_kick[0] = 0.0  # a new test's first push must kick a drain


@pytest.fixture
async def settings(database_url: str, redis_client: aioredis.Redis) -> AsyncIterator[Settings]:
    _clear_process_caches()
    settings = make_settings(database_url)
    override_settings(settings)
    if BACKEND == "postgres":
        await init_db(settings)
        await _truncate_pg()
        await close_db()
    yield settings
    override_settings(None)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Settings]:
    """Connections open for the test body (services, models), closed afterwards."""
    from scrm.infra.corps import bootstrap_corp

    await init_db(settings)
    await bootstrap_corp(settings)
    yield settings
    await close_db()


@pytest.fixture
def crypto() -> WeComCrypto:
    return WeComCrypto(TOKEN, AES_KEY, CORP_ID)
