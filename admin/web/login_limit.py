"""A per-IP and per-account limit on POST /admin/login, counted in Redis (every process shares
it), so parallel guessing meets a wall before the lock-out even counts."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis
from redis.exceptions import RedisError

from scrm.infra.logging import get_logger

log = get_logger("admin.login_limit")
PREFIX = "scrm:login-rate"
TOO_MANY = "登录尝试过于频繁，请 {seconds} 秒后再试"


def _key(kind: str, value: str) -> str:
    # Hashed: a username or address never appears in Redis key listings.
    return f"{PREFIX}:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


async def _hit(redis: Redis, key: str, window: int) -> int:
    """This attempt counted in the key's fixed window (INCR is atomic across processes)."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        count, _ = await pipe.execute()
    return int(count)


async def refused(
    redis: Redis, ip: str, username: str, *, per_ip: int, per_account: int, window: int
) -> str | None:
    """The message to show when this attempt is over a limit, else None. Every attempt counts,
    right or wrong, so the limit says nothing about the password. A limit of 0 is off."""
    checks = [("ip", ip, per_ip), ("account", username.lower(), per_account)]
    try:
        for kind, value, limit in checks:
            if limit > 0 and value and await _hit(redis, _key(kind, value), window) > limit:
                log.warning("login.rate_limited", by=kind, ip=ip)
                return TOO_MANY.format(seconds=window)
    except RedisError as exc:
        # Sessions live in Redis too, so no login succeeds meanwhile; the lock-out still counts.
        log.warning("login.rate_limit_unavailable", error=type(exc).__name__)
    return None
