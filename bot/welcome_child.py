"""Child processes of `up` / `worker`: the welcome worker and, on PostgreSQL, the bulk worker.

One event loop cannot serve everything at once: a lead drain's batch or an add's follow-up
(statistics, quota, tags, mirror, lead, journeys: ≈ 18 ms of CPU each) keeps it busy, and the
landing page, the callback edge and the welcome then wait behind it. In processes of their own
the OS shares the CPU out (decisions 0024 and 0033): the welcome child is
`scrm-bot worker --welcome-only`; on PostgreSQL `up` also runs its bulk worker as
`scrm-bot worker --bulk-only`, at a lower CPU priority (`SCRM_BULK_NICE`). A child stops when
told (SIGTERM), and by itself when its parent is gone (a SIGKILLed parent cannot tell it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Literal

from scrm.infra.logging import get_logger
from scrm.infra.settings import Settings

log = get_logger("bot.welcome_child")

PARENT_ENV = "SCRM_WELCOME_PARENT"
READY_ENV = "SCRM_CHILD_READY_FILE"  # the child creates this file once it can take work
RESTART_SECONDS = 2.0
READY_POLL_SECONDS = 0.05

Role = Literal["welcome", "bulk"]
FLAGS: dict[Role, str] = {"welcome": "--welcome-only", "bulk": "--bulk-only"}


async def supervise(
    settings: Settings,
    stop: asyncio.Event,
    role: Role = "welcome",
    ready: asyncio.Event | None = None,
) -> None:
    """Keep one child of `role` running until `stop`; then SIGTERM it and wait its grace.
    `ready` is set once the first child says it can take work (see `mark_ready`)."""
    while not stop.is_set():
        marker = Path(tempfile.gettempdir()) / f"scrm-child-{os.getpid()}-{role}.ready"
        marker.unlink(missing_ok=True)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "worker", FLAGS[role],
            env={**os.environ, PARENT_ENV: str(os.getpid()), READY_ENV: str(marker)},
        )  # fmt: skip
        log.info("child.started", role=role, pid=proc.pid)
        watcher = asyncio.create_task(_watch_ready(marker, ready)) if ready else None
        waiter = asyncio.create_task(proc.wait())
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if watcher is not None:
            watcher.cancel()
        marker.unlink(missing_ok=True)
        if stop.is_set():
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(waiter, settings.worker_shutdown_grace_seconds + 5)
                except TimeoutError:
                    proc.kill()
                    await waiter
            return
        log.warning("child.exited", role=role, code=proc.returncode, restart_in=RESTART_SECONDS)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RESTART_SECONDS)


async def _watch_ready(marker: Path, ready: asyncio.Event) -> None:
    while not marker.exists():
        await asyncio.sleep(READY_POLL_SECONDS)
    ready.set()


def mark_ready() -> None:
    """In the child: tell the parent this process can take work now."""
    path = os.environ.get(READY_ENV)
    if path:
        with contextlib.suppress(OSError):
            Path(path).touch()


def lower_priority(niceness: int) -> None:
    """In the bulk child: yield the CPU to the web and welcome processes when they need it."""
    if niceness > 0:
        with contextlib.suppress(OSError):
            os.nice(niceness)


async def orphan_watch(stop: asyncio.Event) -> None:
    """In the child: stop once the parent that started it is gone."""
    parent = int(os.environ.get(PARENT_ENV, "0"))
    while not stop.is_set():
        if os.getppid() != parent:
            log.warning("child.orphaned", parent=parent)
            stop.set()
            return
        await asyncio.sleep(1.0)
