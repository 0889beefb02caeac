"""Two `scrm-bot worker` processes share the journey lanes: both hold lanes, every customer is
sent once and each owner gets one task for the window (decision 0034)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from scrm.infra import keys
from scrm.models import Corp, JourneyRun, Staff, SyncRun
from scrm.models.sop import JOURNEY_LANES, journey_lane
from scrm.sop import journey_lanes
from tests.cluster.procs import ROOT, bot_env
from tests.conftest import CORP_ID
from tests.sop.conftest import Linked
from tests.sop.test_journey_lanes import _enrol, _journey, _one_task_per_owner, _sent_once, _tasks

# One member in each lane: both workers' scanners hold runs (and so their leases) for a while.
OWNERS = tuple(f"staff{i}" for i in (28, 7, 2, 4, 1, 5, 0, 11, 3, 19, 9, 51))


def _worker(linked: Linked) -> subprocess.Popen[bytes]:
    env = bot_env(
        linked.settings.database_url,
        SCRM_WECOM_API_BASE=linked.sandbox.url,
        SCRM_WELCOME_PROCESS="0",
    )
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "worker"], env=env, cwd=ROOT)


async def test_two_worker_processes_share_the_lanes(linked: Linked) -> None:
    assert sorted(journey_lane(o) for o in OWNERS) == list(range(JOURNEY_LANES))
    corp = await Corp.get(corp_id=CORP_ID)
    for owner in OWNERS:
        await linked.sandbox.control("staff", {"userid": owner, "name": owner})
        await Staff.create(corp_id=corp.id, userid=owner, name=owner)
    await _journey(linked)
    made = await _enrol(linked, 2, datetime.now(UTC) + timedelta(hours=1), OWNERS)
    await SyncRun.create(corp_id=corp.id, status="done")  # no first sync in the workers
    redis = linked.bot.app[keys.ARQ]
    procs = [_worker(linked), _worker(linked)]
    try:
        deadline = time.monotonic() + 60
        while await redis.zcard(journey_lanes.WORKERS_KEY) < 2:  # both alive: shares of six
            assert time.monotonic() < deadline, "the workers did not start"
            await asyncio.sleep(0.2)
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
        await JourneyRun.all().update(due_at=due)
        holders: set[str] = set()
        keys_ = [journey_lanes.LEASE_KEY.format(lane) for lane in range(JOURNEY_LANES)]
        while await JourneyRun.exclude(status="done").exists():
            assert time.monotonic() < deadline, "the runs were not walked"
            holders |= {v.decode().split(":")[0] for v in await redis.mget(keys_) if v}
            await asyncio.sleep(0.05)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
    assert len(holders) == 2  # both workers held lanes
    await _sent_once(made)
    _one_task_per_owner(await _tasks(linked), 2, OWNERS)
    assert Counter(await JourneyRun.all().values_list("status", flat=True)) == {"done": 24}


async def test_a_stopping_worker_walks_what_it_holds_and_frees_its_lanes(linked: Linked) -> None:
    """SIGTERM while a scanner holds claimed customers: it claims no more, sends what it holds
    at their due time, frees its lanes, and the loop ends within the grace."""
    from bot.jobs.journey_loop import journey_loop

    await _journey(linked)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    made = await _enrol(linked, 2, due)
    redis = linked.bot.app[keys.ARQ]
    ctx = {"redis": redis, "clients": linked.bot.app[keys.CLIENTS], "stopping": asyncio.Event()}
    node = journey_lanes.Node()
    loop = asyncio.create_task(journey_loop(ctx, node, grace_s=30))
    while await JourneyRun.filter(status="running").count() < len(made):
        await asyncio.sleep(0.05)
    ctx["stopping"].set()
    await asyncio.wait_for(loop, timeout=30)
    assert datetime.now(UTC) >= due  # it waited for the due time, then sent
    await _sent_once(made)
    assert not node.held
    keys_ = [journey_lanes.LEASE_KEY.format(lane) for lane in range(JOURNEY_LANES)]
    assert set(await redis.mget(keys_)) == {None}


async def test_a_hung_scanner_is_cancelled_and_frees_its_lanes(
    redis_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scanner stuck in a query would renew its leases for ever: past the loop's timeout it
    is cancelled and its lanes are free for the other workers."""
    from bot.jobs import journey_loop as loop_mod
    from scrm.sop import journey_scanner

    async def hangs(*args: Any, **kwargs: Any) -> dict[str, int]:
        await asyncio.Event().wait()
        return {}

    monkeypatch.setattr(journey_scanner, "run_live", hangs)
    monkeypatch.setattr(loop_mod, "SCAN_TIMEOUT_S", 0.5)
    ctx = {"redis": redis_client, "clients": SimpleNamespace(for_corp=None)}
    ctx["stopping"] = asyncio.Event()
    node = journey_lanes.Node()
    loop = asyncio.create_task(loop_mod.journey_loop(ctx, node, grace_s=5))
    while len(node.held) < JOURNEY_LANES:
        await asyncio.sleep(0.02)
    while node.held:  # cancelled: released
        await asyncio.sleep(0.02)
    ctx["stopping"].set()
    await asyncio.wait_for(loop, timeout=10)
    keys_ = [journey_lanes.LEASE_KEY.format(lane) for lane in range(JOURNEY_LANES)]
    assert set(await redis_client.mget(keys_)) == {None}
