"""`scrm-bot up` on PostgreSQL: web in the main process, welcome and bulk workers as children."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
from pathlib import Path

import pytest

from scrm.infra.settings import Settings
from tests.cluster.procs import bot_env, free_port, start, wait_http


def children(pid: int) -> dict[int, str]:
    """The live child processes of `pid`, by pid, with their command lines."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out[int(entry.name)] = cmd
    return out


async def wait_children(pid: int, count: int, timeout: float = 20) -> dict[int, str]:
    for _ in range(int(timeout * 10)):
        found = children(pid)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.1)
    return children(pid)


@pytest.mark.timeout(120)
async def test_up_runs_its_workers_as_children_and_stops_them(db: Settings) -> None:
    port = free_port()
    proc = await start(["up", "--port", str(port)], bot_env(db.database_url))
    try:
        assert (await wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60)).status == 200
        postgres = db.database_url.startswith("postgres")
        # The web opened its port only once the welcome child could take work.
        marker = Path(tempfile.gettempdir()) / f"scrm-child-{proc.pid}-welcome.ready"
        assert marker.exists()
        found = await wait_children(proc.pid, 2 if postgres else 1)
        flags = sorted(cmd.split()[-1] for cmd in found.values())
        # A SQLite file has one writer: there the bulk worker stays in the web's process.
        assert flags == (["--bulk-only", "--welcome-only"] if postgres else ["--welcome-only"])
        for pid, cmd in found.items():
            want = 10 if "--bulk-only" in cmd else 0  # bulk yields the CPU, once started
            for _ in range(200):
                if _nice(pid) == want:
                    break
                await asyncio.sleep(0.1)
            assert _nice(pid) == want
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 60) == 0
        for pid in found:
            assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_pid_helpers_see_this_process() -> None:
    assert os.getpid() in children(os.getppid())
