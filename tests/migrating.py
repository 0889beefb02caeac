"""Run a migration test's script in a child process, on this checkout's code and migrations.

Tortoise keeps one global context per process (decision 0003), so a test that migrates a
database step by step does it in a child of its own."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tests.conftest import BACKEND, PG_ADMIN_URL, PG_TEST_DB, _pg_url

ROOT = Path(__file__).resolve().parents[1]


def run_script(script: str, url: str, tmp_path: Path) -> str:
    """Run `script` with the database URL as its argument; its standard output (it must exit 0)."""
    path = tmp_path / "migrating.py"
    path.write_text(script)
    done = subprocess.run(
        [sys.executable, str(path), url],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "SCRM_SECRET_KEY": "test-master-key-0123456789abcdef",
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),  # this checkout's migrations, whatever is installed
        },
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


async def _fresh_pg(name: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return _pg_url(name)


def empty_database(name: str, tmp_path: Path) -> str:
    """The URL of a new, empty database on the suite's backend, for a script to migrate."""
    if BACKEND == "postgres":
        return asyncio.run(_fresh_pg(f"{PG_TEST_DB}_{name}"))
    return f"sqlite://{tmp_path / (name + '.db')}"
