"""Database wiring: the Tortoise config (shared by app, worker, CLI and migrations)."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as migrate_api

from scrm import vault
from scrm.infra.settings import Settings, get_settings

MODEL_MODULES = ["scrm.models", "scrm.models.livecode"]


def _with_sqlite_pragmas(url: str) -> str:
    """SQLite runs in WAL mode (tortoise's default); with synchronous=NORMAL a commit is safe
    from application crashes and corruption, and costs no fsync (docs/decisions/0004)."""
    if not url.startswith("sqlite") or "synchronous=" in url:
        return url
    return url + ("&" if "?" in url else "?") + "synchronous=NORMAL"


async def _keep_session(conn: Any) -> None:
    """asyncpg's pool runs `RESET ALL` (and more) on every release: a round trip after each
    query made outside a transaction, on the welcome's path too. Nothing here changes session
    state (no SET, LISTEN or advisory locks; `SET LOCAL` ends with its transaction), so the
    release keeps only asyncpg's own rollback of an open transaction (decision 0033)."""


def _connection(database_url: str) -> str | dict[str, Any]:
    if database_url.startswith("sqlite"):
        return _with_sqlite_pragmas(database_url)
    config = expand_db_url(database_url)
    if config["engine"] == "tortoise.backends.asyncpg":
        config["credentials"]["reset"] = _keep_session
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "scrm.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def configure_vault(settings: Settings) -> None:
    key = vault.load_master_key(settings.secret_key.get_secret_value(), settings.secret_key_file)
    vault.configure(vault.Vault(key))


class _Users:
    # `scrm-bot up` runs the web app and the worker in one process: both "open" the DB,
    # but Tortoise holds one global context, so it is opened once and closed by the last user.
    count = 0


async def init_db(settings: Settings) -> None:
    """Open the connections; the schema must already exist (`scrm-bot migrate`)."""
    if _Users.count == 0:
        configure_vault(settings)
        await Tortoise.init(
            config=tortoise_config(settings.database_url), _enable_global_fallback=True
        )
    _Users.count += 1


async def close_db() -> None:
    _Users.count = max(_Users.count - 1, 0)
    if _Users.count == 0:
        await Tortoise.close_connections()


async def migrate(settings: Settings) -> None:
    """Create or upgrade the schema; applying twice is a no-op (tortoise records each step)."""
    configure_vault(settings)
    try:
        await migrate_api(config=tortoise_config(settings.database_url))
    finally:
        await Tortoise.close_connections()


def _module_config() -> dict[str, Any]:
    # `tortoise -c bot.db.TORTOISE_ORM makemigrations` reads this at import time.
    return tortoise_config(get_settings().database_url)


TORTOISE_ORM = _module_config()
