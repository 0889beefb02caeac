"""The live journey scanner claims and screens customers before they are due, sends exactly at
the due time (never before), and still honours a deletion or an exit tag made meanwhile."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from scrm.enums import RelationStatus
from scrm.infra import keys
from scrm.models import Corp, FollowRelation, JourneyLog, JourneyRun
from scrm.services.contacts import record_removal
from scrm.sop import journey_scanner
from tests.conftest import CORP_ID
from tests.sop.conftest import Linked
from tests.sop.test_journeys import clients, scan_add

EXIT_TAG = "et_unsubscribed"


async def _journey(linked: Linked, name: str = "准点发送") -> None:
    body = {
        "name": name,
        "trigger": {"kind": "livecode_add"},
        "nodes": [{"id": "s1", "kind": "send", "text": name}],
        "exit_tags": [EXIT_TAG],
        "quiet_start": "00:00",
        "quiet_end": "00:00",  # equal ends: no quiet hours, whatever the hour the test runs
    }
    await linked.api("POST", "/api/v1/journeys", body, status=201)


async def test_claimed_ahead_sent_on_time_and_late_changes_still_count(linked: Linked) -> None:
    await _journey(linked)
    stays, deletes, unsubscribes = [await scan_add(linked) for _ in range(3)]
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    assert await JourneyRun.filter(status="active").update(due_at=due) == 3
    scan = asyncio.create_task(
        journey_scanner.run_live(clients(linked), budget_s=0.2, lookahead=timedelta(seconds=10))
    )
    # Claimed (and screened) well before they are due…
    while await JourneyRun.filter(status="running").count() < 3:
        assert datetime.now(UTC) < due - timedelta(seconds=1), "not claimed ahead of time"
        await asyncio.sleep(0.05)
    # …then, before the due second, one customer is deleted and one unsubscribes.
    corp = await Corp.get(corp_id=CORP_ID)
    await record_removal(
        corp,
        deletes["userid"],
        deletes["external_userid"],
        at=datetime.now(UTC),
        status=RelationStatus.CUSTOMER_DELETED,
    )
    tagged = await FollowRelation.get(customer__external_userid=unsubscribes["external_userid"])
    tagged.tag_ids = [*tagged.tag_ids, EXIT_TAG]
    await tagged.save(update_fields=["tag_ids", "updated_at"])
    assert not scan.done()

    outcome = await scan
    assert outcome == {"sent": 1, "exited": 2}
    sent = await JourneyLog.get(action="sent")
    assert sent.external_userid == stays["external_userid"]
    assert sent.created_at >= due  # never before the due time
    exits = dict(await JourneyLog.filter(action="exit").values_list("external_userid", "data"))
    assert exits[deletes["external_userid"]] == {"reason": "no longer a friend"}
    assert exits[unsubscribes["external_userid"]] == {"reason": "exit tag"}
    tasks = await linked.sandbox.records("mass_message")
    assert [t["data"]["targets"] for t in tasks] == [{stays["userid"]: [stays["external_userid"]]}]


async def test_nothing_due_within_the_lookahead_returns_at_once(linked: Linked) -> None:
    await _journey(linked)
    await scan_add(linked)
    later = datetime.now(UTC) + timedelta(minutes=5)
    await JourneyRun.filter(status="active").update(due_at=later)
    outcome = await journey_scanner.run_live(
        clients(linked), budget_s=0.2, lookahead=timedelta(seconds=2)
    )
    assert outcome == {}
    assert await JourneyRun.filter(status="active").count() == 1  # not claimed


async def test_caps_counted_ahead_still_see_a_send_made_meanwhile(linked: Linked) -> None:
    """Two journeys send to one customer in the same second; the daily cap is one. Both were
    screened (and their sends counted: none) before either send happened."""
    await _journey(linked, "第一条")
    await _journey(linked, "第二条")
    customer = await scan_add(linked)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    assert await JourneyRun.filter(status="active").update(due_at=due) == 2
    outcome = await journey_scanner.run_live(
        clients(linked), budget_s=0.2, lookahead=timedelta(seconds=10)
    )
    assert outcome == {"sent": 1, "capped": 1}
    tasks = await linked.sandbox.records("mass_message")
    assert len(tasks) == 1 and tasks[0]["data"]["targets"] == {
        customer["userid"]: [customer["external_userid"]]
    }


async def test_a_send_another_scanner_made_after_screening_counts_against_the_cap(
    linked: Linked,
) -> None:
    """The daily cap is one. After this scanner screened the customer (no sends yet), another
    process logs a send to them: this scanner must see it and cap its own send."""
    await _journey(linked, "本扫描")
    await _journey(linked, "另一扫描")
    customer = await scan_add(linked)
    run, other = await JourneyRun.filter(external_userid=customer["external_userid"]).order_by(
        "id"
    )
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    await JourneyRun.filter(id=run.id).update(due_at=due)
    await JourneyRun.filter(id=other.id).update(status="done")  # another scanner's business
    released = asyncio.Event()

    async def done_claiming() -> None:
        released.set()

    scan = asyncio.create_task(
        journey_scanner.run_live(
            clients(linked),
            budget_s=0.5,
            lookahead=timedelta(seconds=10),
            done_claiming=done_claiming,
        )
    )
    while await JourneyRun.filter(status="running").count() < 1:
        await asyncio.sleep(0.05)
    corp = await Corp.get(corp_id=CORP_ID)
    await JourneyLog.create(
        corp_id=corp.id,
        run_id=other.id,
        external_userid=customer["external_userid"],
        node_id="s1",
        action="sent",
        at=datetime.now(UTC),
    )
    # The claiming half ends (and the lock would be freed) before the held send is walked.
    await asyncio.wait_for(released.wait(), timeout=2)
    assert not scan.done() and datetime.now(UTC) < due
    assert await scan == {"capped": 1}
    assert await linked.sandbox.records("mass_message") == []


async def test_lane_leases_are_freed_only_by_their_holder(linked: Linked) -> None:
    from bot.jobs import sop as sop_jobs
    from scrm.sop.journey_lanes import LEASE_KEY, Node

    redis = linked.bot.app[keys.ARQ]
    ctx = {"redis": redis, "clients": linked.bot.app[keys.CLIENTS], "journey_node": Node()}
    lanes = [LEASE_KEY.format(lane) for lane in range(12)]
    for key in lanes:
        await redis.set(key, "someone-else", ex=60)
    assert await sop_jobs.journey_scan(ctx) == {}  # every lane is being claimed: skip
    assert set(await redis.mget(lanes)) == {b"someone-else"}  # and leave their leases
    await redis.delete(*lanes)
    assert await sop_jobs.journey_scan(ctx) == {}  # nothing due: claims nothing, returns
    assert set(await redis.mget(lanes)) == {None}  # and frees its own leases
