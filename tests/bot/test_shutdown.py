"""SIGTERM mid-stream: every callback acked with 200 is stored, and is handled after restart."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from scrm.enums import InboxStatus
from scrm.infra.settings import Settings
from scrm.models import Inbox
from tests.callbacks import add_contact_xml, signed
from tests.conftest import AES_KEY, CORP_ID, REDIS_URL, SECRET, TOKEN
from wecom.crypto import WeComCrypto

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_up(database_url: str, port: int) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "SCRM_DATABASE_URL": database_url,
        "SCRM_REDIS_URL": REDIS_URL,
        "SCRM_SECRET_KEY": "test-master-key-0123456789abcdef",
        "SCRM_WECOM_CORP_ID": CORP_ID,
        "SCRM_WECOM_TOKEN": TOKEN,
        "SCRM_WECOM_AES_KEY": AES_KEY,
        "SCRM_WECOM_SECRET": SECRET,
        "SCRM_LOG_LEVEL": "WARNING",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "up", "--port", str(port), cwd=ROOT, env=env
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return proc
        except OSError:
            await asyncio.sleep(0.1)
    proc.kill()
    raise AssertionError("scrm-bot up did not start")


@pytest.mark.timeout(180)
async def test_sigterm_loses_no_acked_event(db: Settings, crypto: WeComCrypto) -> None:
    url = db.database_url  # the child process uses this test's database (file or PostgreSQL)
    port = free_port()
    proc = await start_up(url, port)
    acked: list[str] = []
    t0 = int(time.time())

    async def post(session: aiohttp.ClientSession, i: int) -> None:
        params, body = signed(crypto, add_contact_xml(CORP_ID, "zs", f"wmStop{i}", t0))
        try:
            async with session.post(
                f"http://127.0.0.1:{port}/wecom/callback/{CORP_ID}", params=params, data=body
            ) as r:
                if r.status == 200:
                    acked.append(f"wmStop{i}")
        except aiohttp.ClientError:
            pass  # refused after shutdown began: WeCom would deliver it again

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(post(session, i) for i in range(30)))  # the service is busy
        assert len(acked) == 30
        burst = [asyncio.create_task(post(session, i)) for i in range(30, 230)]
        await asyncio.sleep(0.02)
        proc.send_signal(signal.SIGTERM)  # while the burst is in flight
        await asyncio.gather(*burst)
    assert await asyncio.wait_for(proc.wait(), 30) == 0
    print(f"acked {len(acked)} of 230 around the SIGTERM")
    stored = set(
        await Inbox.filter(corp_id=CORP_ID).values_list("payload", flat=True)  # type: ignore[call-overload]
    )
    missing = [ext for ext in acked if not any(ext + "]" in p for p in stored)]
    assert missing == []

    # A restarted process handles whatever the stopped one left pending.
    proc = await start_up(url, port)
    try:
        deadline = time.time() + 90  # worst case: arq's 60-s in-progress timeout
        while time.time() < deadline:
            pending = (
                await Inbox.filter(corp_id=CORP_ID).exclude(status=InboxStatus.HANDLED).count()
            )
            if pending == 0:
                break
            await asyncio.sleep(0.3)
        assert pending == 0
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
