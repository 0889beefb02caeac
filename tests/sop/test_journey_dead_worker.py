"""A dead worker's journey runs are handed on within seconds (decision 0037): at once when its
heartbeat has stopped, past a send WeCom already made, and never by a worker that may itself
be taken for dead."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.jobs import sop as sop_jobs
from scrm.infra import keys
from scrm.models import JourneyLog, JourneyRun
from scrm.sop import journey_lanes, journey_sends, journeys
from scrm.sop.journey_state import Fenced
from tests.sop.conftest import Linked
from tests.sop.test_journey_lanes import OWNERS, _enrol, _journey, _tasks
from tests.sop.test_journeys import clients


def _ctx(linked: Linked, node: journey_lanes.Node) -> dict[str, object]:
    return {
        "redis": linked.bot.app[keys.ARQ],
        "clients": linked.bot.app[keys.CLIENTS],
        "journey_node": node,
    }


async def _heartbeats_began_long_ago(linked: Linked) -> None:
    """The heartbeat set has existed for longer than ALIVE_MS (no Redis restart just now)."""
    began = int(time.time() * 1000) - journey_lanes.ALIVE_MS - 1000
    await linked.bot.app[keys.ARQ].set(journey_lanes.SINCE_KEY, began)


async def _sent(ids: list[str]) -> Counter[str]:
    rows = await JourneyLog.filter(action="sent").values_list("external_userid", flat=True)
    assert set(rows) <= set(ids)
    return Counter(rows)


async def test_a_dead_workers_runs_go_to_the_next_scan_at_once(linked: Linked) -> None:
    await _journey(linked)
    made = await _enrol(linked, 2, datetime.now(UTC) - timedelta(seconds=1))
    dead = journey_lanes.Node()  # claimed, then SIGKILLed: it never beats again
    assert len(await journeys.claim_rows(datetime.now(UTC), by=dead.id)) == 6
    live = journey_lanes.Node()
    # Until the heartbeat set has existed ALIVE_MS (a Redis restart), no one is called dead.
    assert await sop_jobs.journey_scan(_ctx(linked, live)) == {}
    assert await JourneyRun.filter(status="running", claimed_by=dead.id).count() == 6
    await _heartbeats_began_long_ago(linked)
    assert await sop_jobs.journey_scan(_ctx(linked, live)) == {"sent": 6}  # not after 5 min
    assert await _sent(made) == Counter(made)
    assert set(await JourneyRun.all().values_list("status", flat=True)) == {"done"}


async def test_a_live_workers_runs_stay_its_own(linked: Linked) -> None:
    await _journey(linked)
    await _enrol(linked, 1, datetime.now(UTC) + timedelta(seconds=30))
    await _heartbeats_began_long_ago(linked)
    slow = journey_lanes.Node()
    await slow.beat(linked.bot.app[keys.ARQ])  # alive, walking slowly
    claimed = await journeys.claim_rows(datetime.now(UTC) + timedelta(seconds=60), by=slow.id)
    assert len(claimed) == 3
    other = journey_lanes.Node()
    await sop_jobs.journey_scan(_ctx(linked, other))
    assert await JourneyRun.filter(status="running", claimed_by=slow.id).count() == 3
    assert await JourneyLog.filter(action="sent").count() == 0


async def test_a_send_made_but_not_logged_is_not_made_again(
    linked: Linked, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _journey(linked)
    made = await _enrol(linked, 2, datetime.now(UTC) - timedelta(seconds=1))
    dead = journey_lanes.Node()
    await linked.sandbox.control("settings", {"groupmsg_settle_seconds": 0.0})

    async def killed(**_: object) -> None:
        raise RuntimeError("SIGKILL")  # WeCom made the task; the process died before any write

    monkeypatch.setattr(journey_sends.JourneyTask, "create", killed)
    claimed = await journeys.claim_rows(datetime.now(UTC), by=dead.id)
    with pytest.raises(RuntimeError):
        await journeys.step_runs(claimed, clients(linked), datetime.now(UTC))
    await asyncio.sleep(0.5)  # the other owners' tasks, side by side, end the same way
    monkeypatch.undo()
    tasks = await _tasks(linked)
    assert Counter(o for t in tasks for o in t["targets"]) == Counter(OWNERS)  # made…
    assert await JourneyLog.filter(action="sent").count() == 0  # …never logged
    await _heartbeats_began_long_ago(linked)
    await sop_jobs.journey_scan(_ctx(linked, journey_lanes.Node()))
    assert len(await _tasks(linked)) == len(tasks)  # found in WeCom, not made again
    assert await _sent(made) == Counter(made)
    assert set(await JourneyRun.all().values_list("status", flat=True)) == {"done"}


async def test_a_worker_with_a_stalled_heartbeat_makes_no_send(linked: Linked) -> None:
    await _journey(linked)
    await _enrol(linked, 1, datetime.now(UTC) - timedelta(seconds=1))
    node = journey_lanes.Node()
    await node.beat(linked.bot.app[keys.ARQ])
    claimed = await journeys.claim_rows(datetime.now(UTC), by=node.id)
    node.beaten -= journey_lanes.FENCE_S  # its event loop stalled: others may call it dead
    with pytest.raises(Fenced):
        await journeys.step_runs(claimed, clients(linked), datetime.now(UTC), fence=node.fresh)
    assert await _tasks(linked) == []
    await node.beat(linked.bot.app[keys.ARQ])  # alive again, and known to be
    assert await journeys.step_runs(
        claimed, clients(linked), datetime.now(UTC), fence=node.fresh
    ) == {"sent": 3}


async def test_a_scan_that_fails_mid_walk_hands_its_runs_back(
    linked: Linked, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _journey(linked)
    made = await _enrol(linked, 2, datetime.now(UTC) - timedelta(seconds=1))
    node = journey_lanes.Node()
    real = journey_sends._task
    failed: list[str] = []

    async def redis_gone(batch: object, node_: object, owner: str, chunk: list[object]) -> None:
        if not failed:  # the first owner's task: the rate limiter's Redis went away
            failed.append(owner)
            raise ConnectionError("Redis restarting")
        await real(batch, node_, owner, chunk)  # type: ignore[arg-type]

    monkeypatch.setattr(journey_sends, "_task", redis_gone)
    with pytest.raises(ConnectionError):
        await sop_jobs.journey_scan(_ctx(linked, node))
    monkeypatch.undo()
    # The failed scanner handed back what it held at once (its worker lives on: no 5 min).
    assert await JourneyRun.filter(status="running").count() == 0
    await sop_jobs.journey_scan(_ctx(linked, node))
    assert await _sent(made) == Counter(made)  # the others' sends found in WeCom, not redone
    assert Counter(o for t in await _tasks(linked) for o in t["targets"]) == Counter(OWNERS)
