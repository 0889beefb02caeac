"""scrm.infra.locks against real Redis: one holder, owner-only release, expiry, no deadlock."""

from __future__ import annotations

import asyncio
import random

import pytest
import redis.asyncio as aioredis
from redis.exceptions import LockError

from scrm.infra import locks


async def test_a_second_holder_fails_or_waits_until_the_first_lets_go(
    redis_client: aioredis.Redis,
) -> None:
    async with locks.try_hold(redis_client, "t:one", ttl=30) as first:
        assert first is not None
        async with locks.try_hold(redis_client, "t:one", ttl=30) as second:
            assert second is None
        with pytest.raises(locks.Busy):
            async with locks.hold(redis_client, "t:one", ttl=30, wait=0.2, poll=0.05):
                pass
        # A waiter that may wait long enough gets it once the first holder is done.
        waiter = asyncio.create_task(_hold_once(redis_client, "t:one", wait=5))
        await asyncio.sleep(0.2)
        assert not waiter.done()
    assert await asyncio.wait_for(waiter, 5) is True
    assert await redis_client.exists("t:one") == 0  # the waiter freed it too


async def _hold_once(redis: aioredis.Redis, name: str, wait: float) -> bool:
    async with locks.hold(redis, name, ttl=30, wait=wait, poll=0.02):
        return True


def test_busy_is_both_a_lock_error_and_a_timeout() -> None:
    """Callers that caught redis-py's LockError or the old TimeoutError still catch it."""
    assert issubclass(locks.Busy, LockError) and issubclass(locks.Busy, TimeoutError)


async def test_release_by_a_non_owner_does_nothing(redis_client: aioredis.Redis) -> None:
    held = await locks.take(redis_client, "t:own", ttl=0.2)
    assert held is not None
    await asyncio.sleep(0.3)  # lapsed while held (the holder ran too long) ...
    other = await locks.take(redis_client, "t:own", ttl=30)
    assert other is not None  # ... and another process took it
    assert await locks.release(held) is False  # the late first holder frees nothing
    assert await other.owned()
    assert await locks.release(other) is True
    assert await redis_client.exists("t:own") == 0


async def test_the_token_names_the_holder(redis_client: aioredis.Redis) -> None:
    held = await locks.take(redis_client, "t:op", ttl=30, token="op-1")
    assert held is not None
    assert await redis_client.get("t:op") == b"op-1"
    assert await locks.take(redis_client, "t:op", ttl=30, token="op-2") is None
    await redis_client.set("t:op", "op-2", keepttl=True)  # a stranger's value now
    assert await locks.release(held) is False
    assert await redis_client.get("t:op") == b"op-2"


async def test_a_crashed_holder_is_freed_by_expiry(redis_client: aioredis.Redis) -> None:
    crashed = await locks.take(redis_client, "t:crash", ttl=0.3)  # never released
    assert crashed is not None
    assert await locks.take(redis_client, "t:crash", ttl=30) is None
    pttl = await redis_client.pttl("t:crash")
    assert 0 < pttl <= 300
    async with locks.hold(redis_client, "t:crash", ttl=30, wait=2, poll=0.05) as held:
        assert await held.owned()


async def test_extend_keeps_a_long_holder_and_only_the_owner_may(
    redis_client: aioredis.Redis,
) -> None:
    async with locks.hold(redis_client, "t:long", ttl=0.3) as held:
        await held.extend(30, replace_ttl=True)
        await asyncio.sleep(0.4)
        assert await held.owned()
    stranger = locks.lock(redis_client, "t:long", ttl=30)
    with pytest.raises(LockError):
        await stranger.extend(30)  # not acquired: redis-py refuses


async def test_many_names_release_only_their_own(redis_client: aioredis.Redis) -> None:
    await redis_client.set("t:m:b", "someone else")
    mine = locks.Locks(redis_client, ttl=30)
    assert await mine.take_each(["t:m:c", "t:m:a", "t:m:b", "t:m:a"]) == {"t:m:a", "t:m:c"}
    assert mine.names == {"t:m:a", "t:m:c"}
    await redis_client.set("t:m:c", "taken over")  # lapsed and taken meanwhile
    await mine.release()
    assert await redis_client.exists("t:m:a") == 0
    assert await redis_client.get("t:m:b") == b"someone else"
    assert await redis_client.get("t:m:c") == b"taken over"
    assert mine.names == set()


async def test_hold_all_is_all_or_nothing_and_waits(redis_client: aioredis.Redis) -> None:
    await redis_client.set("t:p:2", "other", px=300)
    with pytest.raises(locks.Busy):
        async with locks.hold_all(redis_client, ["t:p:1", "t:p:2"], ttl=30, wait=0.1):
            pass
    assert await redis_client.exists("t:p:1") == 0  # the half it got was given back
    async with locks.hold_all(redis_client, ["t:p:1", "t:p:2"], ttl=30, wait=2) as held:
        assert held.names == {"t:p:1", "t:p:2"}  # once the other holder's lock lapsed
    assert await redis_client.exists("t:p:1", "t:p:2") == 0


async def test_overlapping_sets_never_deadlock(redis_client: aioredis.Redis) -> None:
    """Forty holders of overlapping sets in opposite orders: all finish, none at once."""
    inside: set[str] = set()
    done: list[int] = []

    async def worker(n: int) -> None:
        names = [f"t:d:{k}" for k in random.sample(range(6), 3)]
        if n % 2:
            names.reverse()
        async with locks.hold_all(redis_client, names, ttl=30, wait=20, poll=0.005):
            assert not inside & set(names)  # no other holder of any of these names
            inside.update(names)
            await asyncio.sleep(0.003)
            inside.difference_update(names)
        done.append(n)

    await asyncio.wait_for(asyncio.gather(*(worker(n) for n in range(40))), 30)
    assert sorted(done) == list(range(40))
    assert await redis_client.keys("t:d:*") == []
