"""Background operations of the web process (CSV import, staff sync, re-score): held with a
strong reference (the loop keeps only weak ones) and cancelled when the app stops."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

_running: set[asyncio.Task[Any]] = set()


def spawn(work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
    task = asyncio.create_task(work, name=name)
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task


async def shutdown() -> None:
    """Cancel what still runs (each operation reports itself interrupted) and wait for it."""
    tasks = list(_running)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def wait_all() -> None:
    """Tests: let every started operation finish."""
    while _running:
        await asyncio.gather(*list(_running), return_exceptions=True)
