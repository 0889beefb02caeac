"""TtlCache: single-flight loads, failures never cached, lifetimes; CorpRegistry on top of it."""

from __future__ import annotations

import asyncio

import pytest

from scrm.infra.cache import TtlCache
from scrm.infra.corps import CorpRegistry
from scrm.infra.settings import Settings
from scrm.models import Corp
from tests.conftest import CORP_ID


class Loader:
    """Counts its calls; each call waits for `gate` so callers can pile up behind it."""

    def __init__(self, value: object = "v", error: Exception | None = None) -> None:
        self.calls = 0
        self.value, self.error = value, error
        self.gate = asyncio.Event()

    async def __call__(self) -> object:
        self.calls += 1
        await self.gate.wait()
        if self.error is not None:
            raise self.error
        return self.value


async def test_concurrent_misses_share_one_load() -> None:
    cache: TtlCache[str, object] = TtlCache(60)
    load = Loader("row")
    callers = [asyncio.create_task(cache.get_or_load("k", load)) for _ in range(20)]
    await asyncio.sleep(0.01)
    load.gate.set()
    assert await asyncio.gather(*callers) == ["row"] * 20
    assert load.calls == 1
    assert await cache.get_or_load("k", load) == "row" and load.calls == 1  # now a hit
    other = Loader("other")
    other.gate.set()
    assert await cache.get_or_load("k2", other) == "other"  # another key loads its own


async def test_a_failing_load_reaches_every_waiter_and_is_not_cached() -> None:
    cache: TtlCache[str, object] = TtlCache(60)
    load = Loader(error=ConnectionError("db away"))
    callers = [asyncio.create_task(cache.get_or_load("k", load)) for _ in range(5)]
    await asyncio.sleep(0.01)
    load.gate.set()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert [type(r) for r in results] == [ConnectionError] * 5
    assert load.calls == 1
    load.error = None
    assert await cache.get_or_load("k", load) == "v"  # the next call loads again
    assert load.calls == 2


async def test_entries_expire_and_misses_keep_their_own_lifetime() -> None:
    cache: TtlCache[str, object] = TtlCache(0.1, miss_ttl=0.0)
    load = Loader("a")
    load.gate.set()
    await cache.get_or_load("k", load)
    await cache.get_or_load("k", load)
    assert load.calls == 1
    await asyncio.sleep(0.15)
    await cache.get_or_load("k", load)
    assert load.calls == 2  # expired, loaded again
    miss = Loader(None)
    miss.gate.set()
    await cache.get_or_load("gone", miss)
    await cache.get_or_load("gone", miss)
    assert miss.calls == 2  # miss_ttl 0: a missing row is looked up every time


async def test_a_cancelled_loader_leaves_its_waiters_to_load_again() -> None:
    cache: TtlCache[str, object] = TtlCache(60)
    first = Loader("never")
    leader = asyncio.create_task(cache.get_or_load("k", first))
    await asyncio.sleep(0.01)
    second = Loader("second")
    second.gate.set()
    waiter = asyncio.create_task(cache.get_or_load("k", second))
    await asyncio.sleep(0.01)
    leader.cancel()
    assert await asyncio.wait_for(waiter, 2) == "second"
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_forget_during_a_load_keeps_the_stale_value_out() -> None:
    cache: TtlCache[str, object] = TtlCache(60)
    old = Loader("old row")
    loading = asyncio.create_task(cache.get_or_load("k", old))
    await asyncio.sleep(0.01)
    cache.forget("k")  # the row changed while it was being read
    old.gate.set()
    assert await loading == "old row"  # its caller asked before the change
    new = Loader("new row")
    new.gate.set()
    assert await cache.get_or_load("k", new) == "new row"


async def test_a_changed_corp_is_seen_within_the_registry_ttl(db: Settings) -> None:
    registry = CorpRegistry(ttl=0.2)
    entry = await registry.get(CORP_ID)
    assert entry is not None and entry.crypto.token == db.wecom_token.get_secret_value()
    await Corp.filter(corp_id=CORP_ID).update(active=False)  # another process switched it off
    assert await registry.get(CORP_ID) is not None  # still cached
    await asyncio.sleep(0.25)
    assert await registry.get(CORP_ID) is None  # the edge refuses it now ...
    row = await registry.row(CORP_ID)
    assert row is not None and not row.active  # ... while its stored events still run
    assert await registry.get("ww-unknown") is None and await registry.row("ww-unknown") is None
