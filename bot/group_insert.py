"""Group commit: rows arriving together share one multi-row INSERT … ON CONFLICT DO NOTHING.

While one INSERT is in flight, new rows queue up and go in the next one. No timer: a lone row
is written at once, so latency never waits for a batch to fill; under load the batch grows by
itself to what arrived during the previous round trip. Each caller learns its row's id, or
None when its unique key already existed (a platform's or WeCom's retry)."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scrm.services.bulk import Table, insert_ignore


@dataclass
class _Pending:
    values: list[Any]
    done: asyncio.Future[int | None]


class GroupInsert:
    def __init__(self, table: Table, in_flight: int = 1) -> None:
        self.table = table
        self.max_rows = table.max_rows("sqlite")  # small groups: each waits for its commit
        self._queue: list[_Pending] = []
        # INSERTs on the way at once: above one, a group fills while the previous commits
        # (the edge is bound by the commit's round trip, not its CPU, when the host is busy).
        self.in_flight = in_flight
        self._busy = 0

    async def insert(self, values: list[Any]) -> int | None:
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(values, done))
        if self._busy < self.in_flight:
            self._busy += 1
            asyncio.get_running_loop().create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue[: self.max_rows], self._queue[self.max_rows :]
                try:
                    ids = await self._write([p.values for p in batch])
                except Exception as exc:  # each waiting request answers for itself (503)
                    for p in batch:
                        if not p.done.done():
                            p.done.set_exception(exc)
                    continue
                claimed: set[tuple[str, ...]] = set()
                for p in batch:
                    key = tuple(str(p.values[self.table.columns.index(c)])
                                for c in self.table.conflict)  # fmt: skip
                    # The same row twice in one batch: only the first is new.
                    result = None if key in claimed else ids.get(key)
                    claimed.add(key)
                    if not p.done.done():
                        p.done.set_result(result)
        finally:
            self._busy -= 1

    async def _write(self, rows: Sequence[list[Any]]) -> dict[tuple[str, ...], int]:
        new = await insert_ignore(self.table, rows)
        return {tuple(str(r[c]) for c in self.table.conflict): int(r["id"]) for r in new}


def per_loop(table: Table, in_flight: int = 1) -> Callable[[], GroupInsert]:
    """A GroupInsert per running event loop (tests run many loops in one process)."""
    inserters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupInsert] = (
        weakref.WeakKeyDictionary()
    )

    def get() -> GroupInsert:
        loop = asyncio.get_running_loop()
        found = inserters.get(loop)
        if found is None:
            found = inserters[loop] = GroupInsert(table, in_flight)
        return found

    return get
