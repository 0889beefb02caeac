"""Journeys: a branch on a lead's recent behaviour, and exit tags (unsubscribe, complaint)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.models import FollowRelation, JourneyLog, JourneyRun, Lead, LeadActivity
from scrm.sop import journeys
from tests.sop.conftest import Linked
from tests.sop.test_journeys import clients, scan_add

ALWAYS = {"quiet_start": "00:00", "quiet_end": "00:00", "per_day_cap": 5, "per_week_cap": 5}


async def make(linked: Linked, nodes: list[dict[str, Any]], **extra: Any) -> int:
    body = {"name": "j", "trigger": {"kind": "livecode_add"}, "nodes": nodes, **ALWAYS, **extra}
    return int((await linked.api("POST", "/api/v1/journeys", body, status=201))["id"])


async def test_a_branch_on_recent_behaviour(linked: Linked) -> None:
    nodes = [
        {"id": "b", "kind": "branch", "if_activity": "demo_requested", "within_days": 7,
         "next": "hot", "otherwise": "cold"},
        {"id": "hot", "kind": "remind", "text": "高意向：今天电话"},
        {"id": "cold", "kind": "remind", "text": "普通跟进"},
    ]  # fmt: skip
    j = await make(linked, nodes)
    keen, quiet, stale = await scan_add(linked), await scan_add(linked), await scan_add(linked)
    now = datetime.now(UTC)
    for scan, days_ago in ((keen, 1), (stale, 30)):
        lead = await Lead.get(external_userid=scan["external_userid"])
        await LeadActivity.create(
            corp_id=lead.corp_id,  # type: ignore[attr-defined]
            lead_id=lead.id,
            kind="demo_requested",
            points=0,
            at=now - timedelta(days=days_ago),
        )
    await journeys.run_due(clients(linked), now + timedelta(seconds=1))
    hits = dict(
        await JourneyLog.filter(action="branch", run__journey_id=j).values_list(
            "external_userid", "data"
        )
    )
    assert hits == {
        keen["external_userid"]: {"hit": True},
        quiet["external_userid"]: {"hit": False},
        stale["external_userid"]: {"hit": False},  # 30 days ago is not recent
    }
    preview_nodes = await linked.api("GET", f"/api/v1/journeys/{j}/preview?days=1")
    assert preview_nodes == []  # everyone is done


async def test_an_exit_tag_takes_the_customer_off_the_journey(linked: Linked) -> None:
    j = await make(linked, [{"id": "s", "kind": "send", "text": "新品"}], exit_tags=["et_unsub"])
    leaving, staying = await scan_add(linked), await scan_add(linked)
    await FollowRelation.filter(customer__external_userid=leaving["external_userid"]).update(
        tag_ids=["et_unsub"]
    )
    # A send is due at the end of its one-minute window.
    await journeys.run_due(clients(linked), datetime.now(UTC) + timedelta(minutes=1, seconds=1))
    gone = await JourneyRun.get(journey_id=j, external_userid=leaving["external_userid"])
    kept = await JourneyRun.get(journey_id=j, external_userid=staying["external_userid"])
    assert (gone.status, kept.status) == ("exited", "done")
    reason = await JourneyLog.get(run_id=gone.id, action="exit")
    assert reason.data == {"reason": "exit tag"}
    targets = [m["data"]["targets"] for m in await linked.sandbox.records("mass_message")]
    assert targets == [{staying["userid"]: [staying["external_userid"]]}]


async def test_journey_sends_are_tracked_until_the_owner_confirms(linked: Linked) -> None:
    from scrm.models import JourneyTask, Staff
    from scrm.sop import journey_track
    from tests.livecode.test_api import SPEC

    await make(linked, [{"id": "s", "kind": "send", "text": "新品"}])
    code = await linked.api("POST", "/api/v1/livecodes", {**SPEC, "strategy": "native"}, 201)
    for name in ("甲", "乙"):  # a multi-member code: WeCom takes turns, two owners
        await linked.sandbox.control("scan", {"config_id": code["config_id"], "name": name})
    await linked.drain()
    now = datetime.now(UTC) + timedelta(minutes=1, seconds=1)  # past the send window
    await journeys.run_due(clients(linked), now)
    tasks = {t.owner_userid: t for t in await JourneyTask.all()}
    assert sorted(tasks) == ["lisi", "zhangsan"]
    assert [t.customers for t in tasks.values()] == [1, 1]
    await linked.sandbox.control(f"mass/{tasks['zhangsan'].msgid}/confirm", {"userid": "zhangsan"})
    await Staff.filter(userid="lisi").update(manager_userid="wangwu")
    assert await journey_track.track(clients(linked), now + timedelta(minutes=5)) == {"sent": 1}
    assert await journey_track.track(clients(linked), now + timedelta(minutes=31)) == {
        "reminded": 1
    }
    got = await journey_track.track(clients(linked), now + timedelta(minutes=121))
    assert got == {"escalated": 1}
    assert await journey_track.track(clients(linked), now + timedelta(hours=25)) == {"expired": 1}
    assert await journey_track.track(clients(linked), now + timedelta(hours=26)) == {}
    notes = [n["data"]["touser"] for n in await linked.sandbox.records("notification")]
    assert notes[-2:] == [["lisi"], ["wangwu"]]
    assert (await JourneyTask.get(owner_userid="zhangsan")).status == "sent"
