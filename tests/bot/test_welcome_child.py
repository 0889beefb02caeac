"""The welcome worker's child process stops by itself once its parent is gone."""

from __future__ import annotations

import asyncio
import os

import pytest

from bot import welcome_child


async def test_orphaned_child_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(welcome_child.PARENT_ENV, str(os.getppid() + 100_000))  # not our parent
    stop = asyncio.Event()
    await asyncio.wait_for(welcome_child.orphan_watch(stop), 3)
    assert stop.is_set()


async def test_child_with_its_parent_keeps_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(welcome_child.PARENT_ENV, str(os.getppid()))
    stop = asyncio.Event()
    watch = asyncio.create_task(welcome_child.orphan_watch(stop))
    await asyncio.sleep(1.5)
    assert not stop.is_set() and not watch.done()
    stop.set()
    await asyncio.wait_for(watch, 3)
