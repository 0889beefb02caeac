"""Journey scanners share the work by lane (decision 0034): two scanners walk every customer
once with one task per owner and window; a dead holder's lane is taken over; lanes are split
fairly between live workers."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import redis.asyncio as aioredis

from bot.jobs import sop as sop_jobs
from scrm.infra import keys
from scrm.models import Corp, Customer, FollowRelation, JourneyLog, JourneyRun, Staff
from scrm.models.sop import JOURNEY_LANES, journey_lane
from scrm.sop import journey_lanes, journey_scanner, journeys
from tests.conftest import CORP_ID
from tests.sop.conftest import Linked
from tests.sop.test_journeys import clients

OWNERS = ("zhangsan", "lisi", "wangwu")  # lanes 6, 1 and 0


async def _journey(linked: Linked) -> None:
    body = {
        "name": "分道",
        "trigger": {"kind": "livecode_add"},
        "nodes": [{"id": "s1", "kind": "send", "text": "分道发送"}],
        "quiet_start": "00:00",
        "quiet_end": "00:00",  # no quiet hours, whatever the hour the test runs
    }
    await linked.api("POST", "/api/v1/journeys", body, status=201)


async def _enrol(
    linked: Linked, per_owner: int, due: datetime, owners: tuple[str, ...] = OWNERS
) -> list[str]:
    """`per_owner` friends of each owner (in the sandbox and our mirror), on the journey, all
    due at `due` (one send window)."""
    corp = await Corp.get(corp_id=CORP_ID)
    made: list[str] = []
    for owner in owners:
        ids = [f"wm{owner}{i:03d}" for i in range(per_owner)]
        friends = [{"userid": owner, "external_userid": e} for e in ids]
        await linked.sandbox.control("friends", {"friends": friends})
        staff = await Staff.get(corp_id=corp.id, userid=owner)
        for ext in ids:
            customer = await Customer.create(corp_id=corp.id, external_userid=ext)
            await FollowRelation.create(corp_id=corp.id, staff=staff, customer=customer)
            assert await journeys.enroll(corp.id, "livecode_add", ext, owner, {}) == 1
        made += ids
    await JourneyRun.all().update(due_at=due)
    return made


async def _tasks(linked: Linked) -> list[dict[str, Any]]:
    return [m["data"] for m in await linked.sandbox.records("mass_message")]


async def _sent_once(made: list[str]) -> None:
    sent = Counter(
        await JourneyLog.filter(action="sent").values_list("external_userid", flat=True)
    )
    assert sent == Counter(made)  # every customer exactly once
    assert set(await JourneyRun.all().values_list("status", flat=True)) == {"done"}


def _one_task_per_owner(
    tasks: list[dict[str, Any]], per_owner: int, owners: tuple[str, ...] = OWNERS
) -> None:
    senders = Counter(owner for t in tasks for owner in t["targets"])
    assert senders == Counter(dict.fromkeys(owners, 1))
    assert all(len(ids) == per_owner for t in tasks for ids in t["targets"].values())


async def _lease(node: journey_lanes.Node, redis: Any, lanes: set[int]) -> journey_lanes.Lease:
    """A lease on exactly these lanes (a scanner that drew them, its worker beating as
    `Node.take` has it do first: a worker silent too long makes no sends, decision 0037)."""
    await node.beat(redis)
    lease = journey_lanes.Lease(node, redis)
    for lane in lanes:
        key = journey_lanes.LEASE_KEY.format(lane)
        assert await redis.set(key, lease.token, nx=True, px=journey_lanes.LEASE_MS)
    lease.hold(lanes)
    return lease


def test_runs_carry_their_owners_lane() -> None:
    assert [journey_lane(o) for o in OWNERS] == [6, 1, 0]
    assert all(0 <= journey_lane(f"u{i}") < JOURNEY_LANES for i in range(100))


async def test_two_scanners_with_the_lanes_split_walk_each_customer_once(linked: Linked) -> None:
    await _journey(linked)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    made = await _enrol(linked, 4, due)
    assert set(await JourneyRun.all().values_list("lane", flat=True)) == {6, 1, 0}
    redis = linked.bot.app[keys.ARQ]
    one, two = journey_lanes.Node(), journey_lanes.Node()
    first = await _lease(one, redis, {0, 6})  # wangwu and zhangsan
    second = await _lease(two, redis, set(range(1, 6)) | set(range(7, 12)))  # lisi
    outcomes = await asyncio.gather(
        *(
            journey_scanner.run_live(clients(linked), lookahead=timedelta(seconds=10), lanes=lease)
            for lease in (first, second)
        )
    )
    assert outcomes == [{"sent": 8}, {"sent": 4}]  # each scanner its own lanes' owners
    await _sent_once(made)
    _one_task_per_owner(await _tasks(linked), 4)
    assert not one.held and not two.held  # both released their lanes


async def test_two_workers_scans_share_the_lanes_and_each_owner_gets_one_task(
    linked: Linked,
) -> None:
    """journey_scan on two workers at once: each leases half the lanes; together they walk
    everyone once, one task per owner and window, whoever drew which lanes."""
    await _journey(linked)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    made = await _enrol(linked, 3, due)
    redis = linked.bot.app[keys.ARQ]
    nodes = [journey_lanes.Node(), journey_lanes.Node()]
    for node in nodes:
        await node.beat(redis)  # both workers are alive
    ctxs = [
        {"redis": redis, "clients": linked.bot.app[keys.CLIENTS], "journey_node": node}
        for node in nodes
    ]
    outcomes = await asyncio.gather(*(sop_jobs.journey_scan(ctx) for ctx in ctxs))
    assert sum(o.get("sent", 0) for o in outcomes) == 9
    await _sent_once(made)
    _one_task_per_owner(await _tasks(linked), 3)
    for lane in range(JOURNEY_LANES):  # and every lease is freed
        assert await redis.get(journey_lanes.LEASE_KEY.format(lane)) is None


async def test_a_dead_holders_lane_is_taken_over_and_its_runs_sent_once(linked: Linked) -> None:
    """A worker claimed lisi's customers and was killed: its runs stay `running`, its lease
    lapses. The next scan takes the lane, hands the runs back and sends them once."""
    await _journey(linked)
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    made = await _enrol(linked, 2, due)
    redis = linked.bot.app[keys.ARQ]
    lane = journey_lane("lisi")
    await redis.set(journey_lanes.LEASE_KEY.format(lane), "killed-worker", px=700)
    claimed = await journeys.claim_rows(datetime.now(UTC), lanes=[lane])
    assert {c.owner_userid for c in claimed} == {"lisi"} and len(claimed) == 2
    # …killed before it walked them: five minutes later they are still `running`.
    await JourneyRun.filter(status="running").update(
        updated_at=datetime.now(UTC) - journeys.STUCK - timedelta(seconds=1)
    )
    ctx = {"redis": redis, "clients": linked.bot.app[keys.CLIENTS]}
    ctx["journey_node"] = journey_lanes.Node()
    assert await sop_jobs.journey_scan(ctx) == {"sent": 4}  # the others; lisi's lane is held
    # Handed back by release_stuck (whoever's lane), waiting for their lane's next holder.
    assert await JourneyRun.filter(owner_userid="lisi", status="active").count() == 2
    await asyncio.sleep(0.8)  # the dead worker's lease lapses
    assert await sop_jobs.journey_scan(ctx) == {"sent": 2}
    await _sent_once(made)
    assert Counter(o for t in await _tasks(linked) for o in t["targets"])["lisi"] == 1


async def test_lanes_are_split_fairly_between_live_workers(
    redis_client: aioredis.Redis,
) -> None:
    nodes = [journey_lanes.Node() for _ in range(3)]
    for node in nodes:
        await node.beat(redis_client)
    leases = [await node.take(redis_client) for node in nodes]
    assert [len(lease.lanes) for lease in leases] == [4, 4, 4]  # ceil(12 / 3) each
    assert set().union(*(lease.lanes for lease in leases)) == set(range(JOURNEY_LANES))
    assert not (await nodes[0].take(redis_client)).lanes  # its share is held already
    await leases[2].release()
    await redis_client.zrem(journey_lanes.WORKERS_KEY, nodes[2].id)  # the third one left
    more = await nodes[0].take(redis_client)
    assert len(more.lanes) == 2 and len(nodes[0].held) == 6  # ceil(12 / 2) for two workers
    for lease in [*leases, more]:
        await lease.release()
    alone = journey_lanes.Node()
    await redis_client.delete(journey_lanes.WORKERS_KEY)
    assert len((await alone.take(redis_client)).lanes) == JOURNEY_LANES  # one worker: all


async def test_a_lost_lease_is_dropped_and_not_claimed_again(
    redis_client: aioredis.Redis,
) -> None:
    node = journey_lanes.Node()
    lease = await _lease(node, redis_client, {3, 4})
    await redis_client.set(journey_lanes.LEASE_KEY.format(4), "taken-over")
    await lease.renew()
    assert await lease.current() == [3] and node.held == {3}
    await lease.release()
    assert await redis_client.get(journey_lanes.LEASE_KEY.format(4)) == b"taken-over"
    assert await redis_client.get(journey_lanes.LEASE_KEY.format(3)) is None


async def test_a_late_comer_joins_the_window_its_old_holder_walks(linked: Linked) -> None:
    """The scanner holding zhangsan's window stops claiming and hands the lane over; then a
    customer enters that window. The new holder leaves them to the old one, which sends them
    with the window: one task, not a second one for the same owner and window."""
    await _journey(linked)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    made = await _enrol(linked, 2, due)
    await JourneyRun.exclude(owner_userid="zhangsan").delete()
    made = [e for e in made if e.startswith("wmzhangsan")]
    redis = linked.bot.app[keys.ARQ]
    old = await _lease(journey_lanes.Node(), redis, set(range(JOURNEY_LANES)))
    walking = asyncio.create_task(
        journey_scanner.run_live(
            clients(linked), budget_s=0.3, lookahead=timedelta(seconds=10), lanes=old
        )
    )
    while old.lanes:  # claimed ahead, then handed over
        await asyncio.sleep(0.05)
    # Counted alone, the next worker takes every lane (the old one walks on, unfenced).
    await redis.zrem(journey_lanes.WORKERS_KEY, old.node.id)
    new = await journey_lanes.Node().take(redis)
    assert len(new.lanes) == JOURNEY_LANES and new.floors == dict.fromkeys(new.lanes, due)
    late = await _enrol_one(linked, "zhangsan", "wmlatecomer", due)
    assert await journey_scanner.run_live(clients(linked), budget_s=0.3, lanes=new) == {}
    assert await walking == {"sent": 3}
    await _sent_once([*made, late])
    assert [sorted(t["targets"]["zhangsan"]) for t in await _tasks(linked)] == [
        sorted([*made, late])
    ]


async def _enrol_one(linked: Linked, owner: str, ext: str, due: datetime) -> str:
    corp = await Corp.get(corp_id=CORP_ID)
    await linked.sandbox.control(
        "friends", {"friends": [{"userid": owner, "external_userid": ext}]}
    )
    customer = await Customer.create(corp_id=corp.id, external_userid=ext)
    staff = await Staff.get(corp_id=corp.id, userid=owner)
    await FollowRelation.create(corp_id=corp.id, staff=staff, customer=customer)
    assert await journeys.enroll(corp.id, "livecode_add", ext, owner, {}) == 1
    await JourneyRun.filter(external_userid=ext).update(due_at=due)
    return ext
