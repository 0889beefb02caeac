"""A small in-process cache with per-entry lifetimes and one load per key at a time."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_ALL: weakref.WeakSet[TtlCache[object, object]] = weakref.WeakSet()


class TtlCache(Generic[K, V]):
    """get_or_load(key, loader): the cached value if still fresh, else the loader's (stored
    for `ttl`, or `miss_ttl` when the loader found nothing). Bounded: past `max_items` it
    starts over, so a flood of unknown keys cannot grow it without end.

    Single-flight: callers that miss the same key while its load runs wait for that load
    instead of starting their own. The first caller runs the loader in its own task (its
    transaction, its cancellation); a failure is not cached and reaches every waiter, and
    the next call loads again."""

    def __init__(self, ttl: float, *, miss_ttl: float | None = None, max_items: int = 10_000):
        self.ttl = ttl
        self.miss_ttl = ttl if miss_ttl is None else miss_ttl
        self.max_items = max_items
        self._items: dict[K, tuple[float, V]] = {}
        self._loading: dict[K, asyncio.Future[V]] = {}
        # Bumped by forget/clear: a load that began before must not store what it read.
        self._epoch = 0
        _ALL.add(self)  # type: ignore[arg-type]

    async def get_or_load(self, key: K, loader: Callable[[], Awaitable[V]]) -> V:
        while True:
            hit = self._items.get(key)
            if hit is not None and time.monotonic() < hit[0]:
                return hit[1]
            flight = self._loading.get(key)
            if flight is None:
                return await self._load(key, loader)
            try:
                # shield: a waiter being cancelled must not cancel the others' load
                return await asyncio.shield(flight)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not flight.cancelled() or (task is not None and task.cancelling()):
                    raise
                # The loading caller was cancelled, not this one: load again.

    async def _load(self, key: K, loader: Callable[[], Awaitable[V]]) -> V:
        flight: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._loading[key] = flight
        epoch = self._epoch
        try:
            value = await loader()
        except Exception as exc:
            flight.set_exception(exc)
            flight.exception()  # retrieved: with no waiter, asyncio would log it as lost
            raise
        except BaseException:
            flight.cancel()
            raise
        finally:
            if self._loading.get(key) is flight:
                del self._loading[key]
        if epoch == self._epoch:
            if len(self._items) >= self.max_items:
                self._items.clear()
            ttl = self.ttl if value is not None else self.miss_ttl
            self._items[key] = (time.monotonic() + ttl, value)
        flight.set_result(value)
        return value

    def forget(self, key: K) -> None:
        self._items.pop(key, None)
        self._loading.pop(key, None)
        self._epoch += 1

    def clear(self) -> None:
        self._items.clear()
        self._loading.clear()
        self._epoch += 1


def clear_all() -> None:
    """Every cache in the process (tests: each test's database reuses primary keys)."""
    for cache in list(_ALL):
        cache.clear()
