"""The welcome worker's own process: started, restarted and stopped by `up` / `worker`.

One event loop serves the web edge, the main worker and whatever bulk job runs: a lead
drain's batch keeps it busy for hundreds of milliseconds at a time. In a process of its own,
the welcome worker gets its share of the CPU from the OS whatever the main process is doing
(decision 0024). The child is `scrm-bot worker --welcome-only`; it stops when told (SIGTERM),
and by itself when its parent is gone (a SIGKILLed parent cannot tell it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

from bot.logging import get_logger
from bot.settings import Settings

log = get_logger("bot.welcome_child")

PARENT_ENV = "SCRM_WELCOME_PARENT"
RESTART_SECONDS = 2.0


async def supervise(settings: Settings, stop: asyncio.Event) -> None:
    """Keep one welcome child running until `stop`; then SIGTERM it and wait its grace."""
    while not stop.is_set():
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "worker", "--welcome-only",
            env={**os.environ, PARENT_ENV: str(os.getpid())},
        )  # fmt: skip
        log.info("welcome_child.started", pid=proc.pid)
        waiter = asyncio.create_task(proc.wait())
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if stop.is_set():
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(waiter, settings.worker_shutdown_grace_seconds + 5)
                except TimeoutError:
                    proc.kill()
                    await waiter
            return
        log.warning("welcome_child.exited", code=proc.returncode, restart_in=RESTART_SECONDS)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RESTART_SECONDS)


async def orphan_watch(stop: asyncio.Event) -> None:
    """In the child: stop once the parent that started it is gone."""
    parent = int(os.environ.get(PARENT_ENV, "0"))
    while not stop.is_set():
        if os.getppid() != parent:
            log.warning("welcome_child.orphaned", parent=parent)
            stop.set()
            return
        await asyncio.sleep(1.0)
