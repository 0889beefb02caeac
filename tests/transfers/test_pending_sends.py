"""A journey send pending for the old member goes out once, from the new member, after the
hand-over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrm.models import JourneyLog, JourneyRun
from scrm.services import transfer_track, transfers
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
