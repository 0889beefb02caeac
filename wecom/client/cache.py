"""A value (access token, ticket) shared in Redis and refreshed by one caller at a time."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import LockError

# Delete the key only if it still holds the value we were told is stale: a caller holding an
# old token must not wipe the fresh one another caller has just fetched.
_COMPARE_AND_DELETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

Fetch = Callable[[], Awaitable[tuple[str, int]]]  # -> (value, expires_in seconds)


class SharedValueCache:
    """Single-flight across coroutines (one future) and across processes (a redis-py Lock).

    The value is stored with a TTL of `renew_ratio` × its lifetime, so it is renewed while
    WeCom still accepts the old one: calls in flight at renewal time never see 42001.
    """

    def __init__(
        self,
        redis: Redis,
        key: str,
        fetch: Fetch,
        *,
        renew_ratio: float = 0.9,
        lock_seconds: float = 15.0,
        poll_seconds: float = 0.02,
    ) -> None:
        self.redis = redis
        self.key = key
        self.lock_key = key + ":lock"
        self._fetch = fetch
        self._renew_ratio = renew_ratio
        self._lock_seconds = lock_seconds
        self._poll = poll_seconds
        self._value: str | None = None
        self._local_until = 0.0
        self._inflight: asyncio.Future[str] | None = None
        self._cad = redis.register_script(_COMPARE_AND_DELETE)

    async def get(self) -> str:
        if self._value is not None and time.monotonic() < self._local_until:
            return self._value
        if self._inflight is None:
            self._inflight = asyncio.ensure_future(self._load())
            self._inflight.add_done_callback(self._clear_inflight)
        # shield: one caller being cancelled must not cancel the refresh the others wait on
        return await asyncio.shield(self._inflight)

    def _clear_inflight(self, fut: asyncio.Future[str]) -> None:
        self._inflight = None
        if not fut.cancelled():
            fut.exception()  # mark retrieved; the awaiting callers re-raise it

    async def invalidate(self, stale: str) -> None:
        """WeCom refused `stale`: forget it here and in Redis unless already replaced."""
        if self._value == stale:
            self._value = None
        await self._cad(keys=[self.key], args=[stale])

    async def _load(self) -> str:
        deadline = time.monotonic() + self._lock_seconds * 2
        # redis-py's Lock (wecom may not import scrm.infra.locks): a random token, so a
        # refresh that outlived its lock never frees the next refresher's.
        lock = self.redis.lock(self.lock_key, timeout=self._lock_seconds, thread_local=False)
        while True:
            cached = await self._read()
            if cached is not None:
                return cached
            if await lock.acquire(blocking=False):
                try:
                    cached = await self._read()  # filled while we raced for the lock?
                    if cached is not None:
                        return cached
                    value, expires_in = await self._fetch()
                    ttl_ms = max(1000, int(expires_in * self._renew_ratio * 1000))
                    await self.redis.set(self.key, value, px=ttl_ms)
                    self._remember(value, ttl_ms)
                    return value
                finally:
                    with contextlib.suppress(LockError):  # lapsed: not ours to free any more
                        await lock.release()
            if time.monotonic() > deadline:
                raise TimeoutError(f"no value for {self.key}: refresh lock held too long")
            await asyncio.sleep(self._poll)

    async def _read(self) -> str | None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(self.key)
            pipe.pttl(self.key)
            raw, ttl_ms = await pipe.execute()
        if raw is None:
            return None
        value = raw.decode() if isinstance(raw, bytes) else str(raw)
        self._remember(value, int(ttl_ms))
        return value

    def _remember(self, value: str, ttl_ms: int) -> None:
        self._value = value
        self._local_until = time.monotonic() + max(ttl_ms, 0) / 1000
