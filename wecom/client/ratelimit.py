"""Per-corp, per-API token bucket in Redis, shared by every process that calls WeCom."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

# Reservation bucket: every caller takes a token, possibly driving the balance negative, and
# is told how long to wait for its turn. One round trip per call, fair FIFO order, and the
# rate holds across processes because Redis' own clock (TIME) is the only clock.
_RESERVE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local s = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, ts = tonumber(s[1]), tonumber(s[2])
if tokens == nil then tokens, ts = burst, now end
tokens = math.min(burst, tokens + (now - ts) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
if tokens >= 0 then return '0' end
return tostring(-tokens / rate)
"""


class TokenBucket:
    """`per_minute` calls per minute per key, bursting up to `burst` (default 1/10 minute)."""

    def __init__(self, redis: Redis, prefix: str, per_minute: int, burst: int | None = None):
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.redis = redis
        self.prefix = prefix
        self.rate = per_minute / 60.0
        self.burst = burst if burst is not None else max(1, per_minute // 10)
        self._reserve = redis.register_script(_RESERVE)

    async def reserve(self, api: str) -> float:
        """Take one token for `api`; returns the seconds the caller must wait before calling."""
        wait = await self._reserve(keys=[f"{self.prefix}:{api}"], args=[self.rate, self.burst])
        return float(wait.decode() if isinstance(wait, bytes) else wait)

    async def acquire(self, api: str) -> float:
        wait = await self.reserve(api)
        if wait > 0:
            await asyncio.sleep(wait)
        return wait
