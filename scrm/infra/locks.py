"""Mutual exclusion across processes: redis-py's Lock, for one name or several, owner-freed."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterable

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from scrm.infra.logging import get_logger

log = get_logger("scrm.infra.locks")

# Several names under one token, freed in one round trip: only the names still holding the
# token (a lapsed name may have a new owner by now). redis-py's own release script, per key.
_RELEASE_MANY = """
local freed = 0
for _, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then
    redis.call('del', key)
    freed = freed + 1
  end
end
return freed
"""


class Busy(LockError, TimeoutError):
    """The lock stayed taken for as long as the caller would wait. A LockError (as redis-py's
    own blocking lock raises) and a TimeoutError (as the hand-rolled person locks raised), so
    every caller that handled either still does."""


def lock(redis: Redis, name: str, *, ttl: float, poll: float = 0.1) -> Lock:
    """A redis-py Lock: its value is a random token, so only its owner extends or frees it,
    and it lapses `ttl` seconds after it was taken or last extended (a crashed holder's too).
    The token lives on the object, not per thread: a lock may be freed by another task."""
    return redis.lock(name, timeout=ttl, sleep=poll, thread_local=False)


async def take(redis: Redis, name: str, *, ttl: float, token: str | None = None) -> Lock | None:
    """The lock if it is free now, else None (never waits). `token`: the value others read
    under `name` while it is held (an operation's id), a random one when not given."""
    held = lock(redis, name, ttl=ttl)
    return held if await held.acquire(blocking=False, token=token) else None


async def release(held: Lock) -> bool:
    """Free the lock if it is still ours; False when it had lapsed (it may have another owner
    now, whose lock stays)."""
    try:
        await held.release()
    except LockError:
        log.warning("lock.lapsed", name=str(held.name))
        return False
    return True


@contextlib.asynccontextmanager
async def hold(
    redis: Redis, name: str, *, ttl: float, wait: float | None = None, poll: float = 0.1
) -> AsyncIterator[Lock]:
    """Hold `name` for the block, waiting up to `wait` seconds for it (None: as long as it
    takes); raises Busy when it stays taken."""
    held = lock(redis, name, ttl=ttl, poll=poll)
    if not await held.acquire(blocking_timeout=wait):
        raise Busy(f"lock {name} still held after {wait} s")
    try:
        yield held
    finally:
        await release(held)


@contextlib.asynccontextmanager
async def try_hold(redis: Redis, name: str, *, ttl: float) -> AsyncIterator[Lock | None]:
    """Hold `name` for the block if it is free now; the block gets None when it is not."""
    held = await take(redis, name, ttl=ttl)
    try:
        yield held
    finally:
        if held is not None:
            await release(held)


class Locks:
    """Several names held under one token: redis-py Lock's protocol (SET NX PX of a random
    token, freed only where the token still stands), pipelined, because a lead batch locks
    hundreds of people and a Lock per name would cost a round trip each."""

    def __init__(self, redis: Redis, *, ttl: float) -> None:
        self.redis = redis
        self.ttl_ms = int(ttl * 1000)
        self.token = uuid.uuid4().hex
        self.names: set[str] = set()

    async def take_each(self, names: Iterable[str]) -> set[str]:
        """Take each of `names` that is free, in one round trip (never waits); returns the
        names taken now."""
        wanted = sorted(set(names) - self.names)  # a stable order, whoever asks
        if not wanted:
            return set()
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in wanted:
                pipe.set(name, self.token, nx=True, px=self.ttl_ms)
            answers = await pipe.execute()
        got = {name for name, ok in zip(wanted, answers, strict=True) if ok}
        self.names |= got
        return got

    async def release(self, names: Iterable[str] | None = None) -> None:
        """Free `names` (default: all held), only those that still hold our token."""
        mine = sorted(self.names if names is None else self.names & set(names))
        if not mine:
            return
        self.names -= set(mine)
        await self.redis.eval(_RELEASE_MANY, len(mine), *mine, self.token)  # type: ignore[misc]


@contextlib.asynccontextmanager
async def hold_all(
    redis: Redis, names: Iterable[str], *, ttl: float, wait: float, poll: float = 0.02
) -> AsyncIterator[Locks]:
    """Hold all of `names` for the block, or none: when any is taken the others are given
    back before trying again, so nobody waits holding some and overlapping sets never
    deadlock. Raises Busy after `wait` seconds."""
    held = Locks(redis, ttl=ttl)
    wanted = set(names)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while wanted - held.names:
        got = await held.take_each(wanted)
        if held.names >= wanted:
            break
        await held.release(got)
        if loop.time() + poll > deadline:
            raise Busy(f"{len(wanted)} locks still held after {wait} s")
        await asyncio.sleep(poll)
    try:
        yield held
    finally:
        await held.release()
