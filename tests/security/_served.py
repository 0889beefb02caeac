"""The service as a real process for the fuzz runs: `scrm-bot serve` on a copy of the migrated
SQLite database, reached over HTTP by schemathesis and Hypothesis (both are synchronous)."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import AES_KEY, BACKEND, CORP_ID, REDIS_URL, SECRET, TOKEN

# The fuzz runs take a minute or more and the suite runs twice (SQLite, then PostgreSQL). What
# they check — validation, documented statuses, the edges' refusals — sits in the HTTP layer in
# front of the database; per-backend storage is covered by the ordinary tests. So: once.
ONLY_SQLITE = pytest.mark.skipif(
    BACKEND != "sqlite",
    reason="LOUD SKIP: the fuzz runs (schemathesis, Hypothesis on the edges) test the HTTP layer "
    "and cost minutes; they run in the SQLite pass of ./scripts/test only",
)
ADMIN_TOKEN = "fuzz-admin-token-0123"


@dataclass
class Served:
    base: str
    db_path: Path

    def count(self, table: str) -> int:
        with sqlite3.connect(self.db_path) as db:
            return int(db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """WeCom is a closed port, so operations that call it answer their documented 502."""
    db = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copy(template_db.removeprefix("sqlite://"), db)
    port, wecom = _free_port(), _free_port()
    env = {
        **os.environ,
        "SCRM_DATABASE_URL": f"sqlite://{db}",
        "SCRM_REDIS_URL": REDIS_URL,
        "SCRM_SECRET_KEY": "fuzz-master-key-0123456789abcdef",
        "SCRM_ADMIN_TOKEN": ADMIN_TOKEN,
        "SCRM_WECOM_CORP_ID": CORP_ID,
        "SCRM_WECOM_TOKEN": TOKEN,
        "SCRM_WECOM_AES_KEY": AES_KEY,
        "SCRM_WECOM_SECRET": SECRET,
        "SCRM_WECOM_AGENT_ID": "1000002",
        "SCRM_WECOM_API_BASE": f"http://127.0.0.1:{wecom}",
        "SCRM_WECOM_MAX_RETRIES": "0",
        "SCRM_CALLBACK_MAX_SKEW_SECONDS": "0",
        "SCRM_LOG_LEVEL": "WARNING",
        "SCRM_LOG_FORMAT": "json",
    }
    log_path = tmp_path_factory.mktemp("fuzzlog") / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    if requests.get(f"{base}/healthz", timeout=1).status_code < 500:
                        break
                except requests.ConnectionError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"scrm-bot serve did not start: {log_path.read_text()[-2000:]}")
            yield Served(base, db)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    # The server's own log must not show a crash either.
    assert "request.unhandled" not in log_path.read_text()
