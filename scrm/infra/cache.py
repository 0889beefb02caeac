"""A small in-process cache with per-entry lifetimes, for rows read on every request or job."""

from __future__ import annotations

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
    starts over, so a flood of unknown keys cannot grow it without end."""

    def __init__(self, ttl: float, *, miss_ttl: float | None = None, max_items: int = 10_000):
        self.ttl = ttl
        self.miss_ttl = ttl if miss_ttl is None else miss_ttl
        self.max_items = max_items
        self._items: dict[K, tuple[float, V]] = {}
        _ALL.add(self)  # type: ignore[arg-type]

    async def get_or_load(self, key: K, loader: Callable[[], Awaitable[V]]) -> V:
        hit = self._items.get(key)
        now = time.monotonic()
        if hit is not None and now < hit[0]:
            return hit[1]
        value = await loader()
        if len(self._items) >= self.max_items:
            self._items.clear()
        self._items[key] = (now + (self.ttl if value is not None else self.miss_ttl), value)
        return value

    def forget(self, key: K) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()


def clear_all() -> None:
    """Every cache in the process (tests: each test's database reuses primary keys)."""
    for cache in list(_ALL):
        cache.clear()
