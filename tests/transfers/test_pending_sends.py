"""A journey send pending for the old member goes out once, from the new member, after the
hand-over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrm.models import JourneyLog, JourneyRun, JourneyTask
from scrm.services import transfer_track, transfers
from tests.livecode.test_api import SPEC
from tests.sop.test_journeys import NOON, scan_add, walk
from tests.transfers.conftest import DAY, Linked, corp


async def test_pending_journey_send_goes_once_from_the_new_member(linked: Linked) -> None:
    body = {
        "name": "新客问候",
        "trigger": {"kind": "livecode_add"},
        "nodes": [
            {"id": "w1", "kind": "wait", "minutes": 60, "next": "s1"},
            {"id": "s1", "kind": "send", "text": "您好，这是新人资料"},
        ],
    }
    await linked.api("POST", "/api/v1/journeys", body, status=201)
    scan = await scan_add(linked)
    old, ext = scan["userid"], scan["external_userid"]
    new = "lisi" if old != "lisi" else "zhangsan"
    run = await JourneyRun.get(external_userid=ext)
    assert run.owner_userid == old and run.status == "active"

    c = await corp()
    started = await transfers.start_customers(
        c, linked.client, handover=old, takeover=new, external_userids=[ext]
    )
    assert started.started == [ext]
    await linked.sandbox.control("clock", {"advance": DAY})
    await transfer_track.check_due(c, linked.client, datetime.now(UTC) + timedelta(hours=25))
    await linked.drain()
    assert (await JourneyRun.get(id=run.id)).owner_userid == new

    await JourneyRun.filter(id=run.id).update(due_at=NOON)
    await walk(linked, NOON + timedelta(hours=3))
    await walk(linked, NOON + timedelta(hours=3))  # walked again: nothing more goes out
    sends = [m["data"] for m in await linked.sandbox.records("mass_message")]
    assert [s["text"] for s in sends] == ["您好，这是新人资料"]
    assert sends[0]["targets"] == {new: [ext]}
    assert await JourneyLog.filter(run_id=run.id, action="sent").count() == 1


async def test_a_send_left_unsent_in_the_old_task_goes_again_from_the_new_member(
    linked: Linked,
) -> None:
    """The journey made a WeCom task for the old member, who never sent it; once the
    customer is handed over it goes out once, from the new member. A send the old member
    did make is never repeated."""
    body = {
        "name": "新客问候",
        "trigger": {"kind": "livecode_add"},
        "nodes": [
            {"id": "w1", "kind": "wait", "minutes": 60, "next": "s1"},
            {"id": "s1", "kind": "send", "text": "您好，这是新人资料", "next": "w2"},
            {"id": "w2", "kind": "wait", "minutes": 60 * 24 * 3},
        ],
    }
    await linked.api("POST", "/api/v1/journeys", body, status=201)
    one = {**SPEC, "strategy": "native", "members": [{"userid": "zhangsan"}]}
    code = await linked.api("POST", "/api/v1/livecodes", one, 201)
    unsent, sent = [
        await linked.sandbox.control("scan", {"config_id": code["config_id"], "name": n})
        for n in ("甲", "乙")
    ]
    await linked.drain()
    old = "zhangsan"
    assert unsent["userid"] == sent["userid"] == old
    runs = {
        s["external_userid"]: await JourneyRun.get(external_userid=s["external_userid"])
        for s in (unsent, sent)
    }
    for run in runs.values():
        await JourneyRun.filter(id=run.id).update(due_at=NOON)
    await walk(linked, NOON + timedelta(hours=2))
    fired = [m["data"] for m in await linked.sandbox.records("mass_message")]
    assert len(fired) == 1 and sorted(fired[0]["targets"][old]) == sorted(runs)
    # The old member sends to one customer only; then both are handed over.
    task = await JourneyTask.get(owner_userid=old)
    confirm = {"userid": old, "external_userids": [sent["external_userid"]]}
    await linked.sandbox.control(f"mass/{task.msgid}/confirm", confirm)

    new = "lisi"
    c = await corp()
    started = await transfers.start_customers(
        c, linked.client, handover=old, takeover=new, external_userids=list(runs)
    )
    assert sorted(started.started) == sorted(runs)
    await linked.sandbox.control("clock", {"advance": DAY})
    await transfer_track.check_due(c, linked.client, datetime.now(UTC) + timedelta(hours=25))
    await linked.drain()

    again = await JourneyRun.get(id=runs[unsent["external_userid"]].id)
    assert (again.node_id, again.owner_userid, again.status) == ("s1", new, "active")
    stayed = await JourneyRun.get(id=runs[sent["external_userid"]].id)
    assert stayed.node_id == "w2"  # it reached the customer: nothing to send again
    await JourneyRun.filter(id=again.id).update(due_at=NOON + timedelta(hours=3))
    await walk(linked, NOON + timedelta(hours=4))
    await walk(linked, NOON + timedelta(hours=4))  # walked again: nothing more goes out
    sends = [m["data"] for m in await linked.sandbox.records("mass_message")]
    assert len(sends) == 2
    assert sends[1]["targets"] == {new: [unsent["external_userid"]]}
    actions = await JourneyLog.filter(run_id=again.id).values_list("action", flat=True)
    assert sorted(a for a in actions if a in ("sent", "replanned")) == ["replanned", "sent"]
