"""A 群发 whose worker was SIGKILLed mid-creation is taken over as soon as that worker's
heartbeat has stopped (decision 0038), not after the 5-minute lease; a live holder's send is
left alone, and a worker that lost its send (or may be taken for dead) makes no more tasks
and takes nobody else's lease."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.jobs.campaigns import mass_send_tick
from scrm.infra import keys
from scrm.models import MassSend, MassSendTask
from scrm.services import mass_send
from scrm.services.mass_send_resume import Holder, LeaseLost
from scrm.sop import journey_lanes
from tests.campaigns.helpers import clients, customers
from tests.campaigns.test_mass_send_resume import ALL, Dying
from tests.livecode.conftest import Linked


def _holder(node: journey_lanes.Node, fresh: bool = True) -> Holder:
    async def dead(holders: set[str]) -> set[str]:
        return set()

    return Holder(node.id, lambda: fresh, dead)


@pytest.fixture
async def live(linked: Linked) -> AsyncIterator[journey_lanes.Node]:
    """This test's worker, beating into the test's Redis like a running worker."""
    node = journey_lanes.Node()
    node.start(linked.bot.app[keys.ARQ])
    await asyncio.sleep(0.05)  # its first beat
    yield node
    await node.stop()


def _ctx(linked: Linked, node: journey_lanes.Node) -> dict[str, Any]:
    return {
        "clients": linked.bot.app[keys.CLIENTS],
        "settings": linked.settings,
        "redis": linked.bot.app[keys.ARQ],
        "journey_node": node,
    }


async def _send() -> MassSend:
    return await MassSend.create(
        corp_id=1, name="接管", text="双十二", target={"spec": ALL, "scope": None},
        send_at=datetime.now(UTC),
    )  # fmt: skip


async def _heartbeats_began(linked: Linked, ago_ms: int) -> None:
    began = int(time.time() * 1000) - ago_ms
    await linked.bot.app[keys.ARQ].set(journey_lanes.SINCE_KEY, began)


async def test_a_killed_workers_send_is_taken_over_at_once(
    linked: Linked, live: journey_lanes.Node
) -> None:
    exts = await customers(linked, 6, tagged=0)  # zhangsan 3, lisi 3
    send = await _send()
    dead = journey_lanes.Node()  # claims, makes one task, then is SIGKILLed: never beats
    assert await mass_send.claim(send.id, dead.id)
    dying = Dying(None, on_call=1, after=True, error=asyncio.CancelledError)

    def client_for(corp: Any) -> Any:
        dying.real = clients(linked)(corp)
        return dying

    with pytest.raises(asyncio.CancelledError):
        await mass_send.run(send.id, client_for, mass_send.RunOptions(), holder=_holder(dead))
    # A SIGKILL gives nothing back: the lease is as fresh as the dead worker left it.
    await MassSend.filter(id=send.id).update(claimed_at=datetime.now(UTC), claimed_by=dead.id)
    assert len(await linked.sandbox.records("mass_message")) == 1

    # Just after a Redis restart nobody is called dead (live workers have not beaten again).
    await _heartbeats_began(linked, 1000)
    assert (await mass_send_tick(_ctx(linked, live)))["made"] == 0
    await _heartbeats_began(linked, journey_lanes.ALIVE_MS + 1000)
    assert (await mass_send_tick(_ctx(linked, live)))["made"] == 1  # not after 5 minutes

    done = await MassSend.get(id=send.id)
    assert done.status == "sent" and done.planned == 6 and done.claimed_by == live.id
    messages = await linked.sandbox.records("mass_message")
    assert len(messages) == 2  # the dead worker's task adopted, not made again
    per_customer = Counter(t for m in messages for ts in m["data"]["targets"].values() for t in ts)
    assert per_customer == Counter(exts)


async def test_a_live_holders_send_is_left_alone(linked: Linked, live: journey_lanes.Node) -> None:
    await customers(linked, 2, tagged=0)
    send = await _send()
    slow = journey_lanes.Node()
    await slow.beat(linked.bot.app[keys.ARQ])  # alive, making its tasks slowly
    await _heartbeats_began(linked, journey_lanes.ALIVE_MS + 1000)
    assert await mass_send.claim(send.id, slow.id)
    assert (await mass_send_tick(_ctx(linked, live)))["made"] == 0
    held = await MassSend.get(id=send.id)
    assert held.status == "sending" and held.claimed_by == slow.id
    assert await linked.sandbox.records("mass_message") == []


@pytest.mark.parametrize("why", ["taken-over", "heartbeat-stale"])
async def test_a_worker_that_lost_its_send_makes_no_task(linked: Linked, why: str) -> None:
    await customers(linked, 4, tagged=0)
    send = await _send()
    me, other = journey_lanes.Node(), journey_lanes.Node()
    assert await mass_send.claim(send.id, me.id)
    if why == "taken-over":  # others called this worker dead and one took the send
        await MassSend.filter(id=send.id).update(claimed_by=other.id)
    with pytest.raises(LeaseLost):
        await mass_send.run(
            send.id, clients(linked), mass_send.RunOptions(),
            holder=_holder(me, fresh=why == "taken-over"),
        )  # fmt: skip
    assert await linked.sandbox.records("mass_message") == []
    assert await MassSendTask.filter(send_id=send.id).count() == 0
    kept = await MassSend.get(id=send.id)
    if why == "taken-over":  # the other worker's lease stays as it is
        assert kept.claimed_at is not None and kept.claimed_by == other.id
    else:  # still its own: given back for the next tick
        assert kept.claimed_at is None and kept.claimed_by == me.id


async def test_a_tick_whose_worker_may_be_taken_for_dead_makes_nothing_and_goes_on(
    linked: Linked, live: journey_lanes.Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    await customers(linked, 2, tagged=0)
    sends = [await _send(), await _send()]
    monkeypatch.setattr(live, "fresh", lambda: False)  # its event loop stalled past the fence
    assert await mass_send_tick(_ctx(linked, live)) == {"made": 0, "tracked": 0}  # no raise
    for send in sends:  # both claimed, neither made, both given back for the next tick
        held = await MassSend.get(id=send.id)
        assert held.status == "sending" and held.claimed_at is None
    assert await linked.sandbox.records("mass_message") == []
