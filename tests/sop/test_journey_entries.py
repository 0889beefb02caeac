"""Journeys: re-entry, attribute triggers, one WeCom task per owner for a batch, pause that
holds customers, and edits that keep customers in place."""

from __future__ import annotations

from datetime import timedelta

from scrm.models import Corp, JourneyLog, JourneyRun, Lead
from scrm.sop import journey_dates, journeys
from tests.livecode.test_api import SPEC
from tests.sop.conftest import Linked
from tests.sop.test_journeys import NOON, clients, scan_add, walk

ONE_SEND = [{"id": "s", "kind": "send", "text": "您好"}]


async def make(linked: Linked, trigger: dict[str, object], nodes: list[dict[str, object]]) -> int:
    body = {"name": "j", "trigger": trigger, "nodes": nodes, "per_day_cap": 9, "per_week_cap": 9}
    return int((await linked.api("POST", "/api/v1/journeys", body, status=201))["id"])


async def test_reentry_only_when_allowed_and_only_after_the_entry_ended(linked: Linked) -> None:
    again = await make(
        linked, {"kind": "grade_reached", "grades": ["A"], "reentry": True}, ONE_SEND
    )
    once = await make(linked, {"kind": "grade_reached", "grades": ["A"]}, ONE_SEND)
    scan = await scan_add(linked)
    ext, owner, corp = scan["external_userid"], scan["userid"], await Corp.get()

    async def trigger(at_minutes: int) -> int:
        at = NOON + timedelta(minutes=at_minutes)
        return await journeys.enroll(corp.id, "grade_reached", ext, owner, {"grade": "A"}, at)

    assert await trigger(0) == 2
    assert await trigger(1) == 0  # both still running: nobody enters twice at a time
    await journeys.run_due(clients(linked), NOON + timedelta(minutes=1))
    assert set(await JourneyRun.all().values_list("status", flat=True)) == {"done"}
    assert await trigger(2) == 1  # only the journey that allows re-entry takes them again
    run = await JourneyRun.get(journey_id=again)
    assert (run.status, run.node_id, run.due_at) == ("active", "s", NOON + timedelta(minutes=2))
    assert (await JourneyRun.get(journey_id=once)).status == "done"
    await journeys.run_due(clients(linked), NOON + timedelta(minutes=2))
    # The first entry's log is kept beside the second's.
    assert await JourneyLog.filter(run_id=run.id, action="sent").count() == 2


async def test_a_birthday_journey_runs_again_next_year_but_once_a_year(linked: Linked) -> None:
    trigger = {"kind": "date", "date_field": "birthday", "days_before": 3}
    j = await make(linked, trigger, ONE_SEND)
    scan = await scan_add(linked)
    await Lead.filter(external_userid=scan["external_userid"]).update(
        attributes={"birthday": "1990-11-30"}
    )
    assert await journey_dates.enroll_due(NOON) == 1
    await journeys.run_due(clients(linked), NOON)
    assert (await JourneyRun.get(journey_id=j)).status == "done"
    assert await journey_dates.enroll_due(NOON + timedelta(hours=1)) == 0  # same birthday
    next_year = NOON + timedelta(days=365)  # 2027-11-27: three days before again
    assert await journey_dates.enroll_due(next_year) == 1
    assert (await JourneyRun.get(journey_id=j)).entry == "2027"


async def test_attribute_trigger_takes_matching_customers_once(linked: Linked) -> None:
    j = await make(linked, {"kind": "attribute", "field": "city", "values": ["上海"]}, ONE_SEND)
    k = await make(linked, {"kind": "attribute", "field": "industry"}, ONE_SEND)
    first, second = await scan_add(linked), await scan_add(linked)
    await Lead.filter(external_userid=first["external_userid"]).update(
        city="上海", attributes={"industry": "教育"}
    )
    await Lead.filter(external_userid=second["external_userid"]).update(city="北京")
    assert await journey_dates.enroll_due(NOON) == 2  # first: city and industry; second: none
    assert await journey_dates.enroll_due(NOON) == 0
    assert await JourneyRun.filter(journey_id=j).values_list("external_userid", flat=True) == [
        first["external_userid"]
    ]
    assert await JourneyRun.filter(journey_id=k).count() == 1
    bad = await linked.api(
        "POST",
        "/api/v1/journeys",
        {"name": "x", "nodes": ONE_SEND, "trigger": {"kind": "attribute"}},
        status=422,
    )
    assert "needs field" in bad["details"][0]["msg"]


async def test_customers_due_together_make_one_wecom_task_per_owner(linked: Linked) -> None:
    j = await make(linked, {"kind": "livecode_add"}, ONE_SEND)
    code = await linked.api("POST", "/api/v1/livecodes", {**SPEC, "strategy": "native"}, 201)
    for i in range(12):
        await linked.sandbox.control("scan", {"config_id": code["config_id"], "name": f"客{i}"})
    await linked.drain()
    await JourneyRun.filter(journey_id=j).update(due_at=NOON)
    outcome = await journeys.run_due(clients(linked), NOON)
    assert outcome.get("sent") == 12
    tasks = [m["data"]["targets"] for m in await linked.sandbox.records("mass_message")]
    owners = {owner for targets in tasks for owner in targets}
    assert len(tasks) == len(owners)  # one task per owner, each carrying all their customers
    assert sum(len(ids) for t in tasks for ids in t.values()) == 12


async def test_pause_holds_customers_and_resume_lets_them_go_on(linked: Linked) -> None:
    j = await make(linked, {"kind": "livecode_add"}, ONE_SEND)
    scan = await scan_add(linked)
    await JourneyRun.filter(journey_id=j).update(due_at=NOON)
    await linked.api("POST", f"/api/v1/journeys/{j}/pause", {})
    assert await journeys.run_due(clients(linked), NOON + timedelta(hours=1)) == {}
    run = await JourneyRun.get(journey_id=j)
    assert (run.status, run.node_id) == ("active", "s")  # waiting, not thrown out
    await linked.api("POST", f"/api/v1/journeys/{j}/resume", {})
    await journeys.run_due(clients(linked), NOON + timedelta(hours=1))
    assert [m["data"]["targets"] for m in await linked.sandbox.records("mass_message")] == [
        {scan["userid"]: [scan["external_userid"]]}
    ]


async def test_an_edit_keeps_customers_in_place_and_exits_those_at_removed_nodes(
    linked: Linked,
) -> None:
    nodes = [
        {"id": "w", "kind": "wait", "minutes": 60, "next": "a"},
        {"id": "a", "kind": "send", "text": "旧文案"},
    ]
    j = await make(linked, {"kind": "livecode_add"}, nodes)
    waiting, at_a = await scan_add(linked), await scan_add(linked)
    await JourneyRun.filter(external_userid=waiting["external_userid"]).update(due_at=NOON)
    await JourneyRun.filter(external_userid=at_a["external_userid"]).update(
        node_id="a", due_at=NOON + timedelta(hours=3)
    )
    new = [
        {"id": "w", "kind": "wait", "minutes": 30, "next": "b"},
        {"id": "b", "kind": "send", "text": "新文案"},
    ]
    body = {"name": "j", "trigger": {"kind": "livecode_add"}, "nodes": new}
    edited = await linked.api("PUT", f"/api/v1/journeys/{j}", body)
    assert edited["customers_at_removed_nodes"] == 1
    await walk(linked, NOON + timedelta(hours=4))
    texts = [m["data"]["text"] for m in await linked.sandbox.records("mass_message")]
    assert texts == ["新文案"]  # the waiting customer follows the new graph, nobody gets the old
    gone = await JourneyRun.get(external_userid=at_a["external_userid"])
    assert gone.status == "exited"
    reason = await JourneyLog.get(run_id=gone.id, action="exit")
    assert reason.data == {"reason": "node removed by an edit"}


def test_quiet_hours_cross_midnight_and_equal_ends_mean_none() -> None:
    from datetime import datetime
    from types import SimpleNamespace
    from typing import cast
    from zoneinfo import ZoneInfo

    from scrm.models import Journey
    from scrm.sop.journey_facts import quiet_until

    sh = ZoneInfo("Asia/Shanghai")
    night = cast(Journey, SimpleNamespace(quiet_start="21:00", quiet_end="08:00"))
    assert quiet_until(night, datetime(2026, 11, 27, 23, 0, tzinfo=sh)) == datetime(
        2026, 11, 28, 8, 0, tzinfo=sh
    )
    assert quiet_until(night, datetime(2026, 11, 28, 7, 59, tzinfo=sh)) == datetime(
        2026, 11, 28, 8, 0, tzinfo=sh
    )
    assert quiet_until(night, datetime(2026, 11, 28, 8, 0, tzinfo=sh)) is None
    never = cast(Journey, SimpleNamespace(quiet_start="00:00", quiet_end="00:00"))
    assert quiet_until(never, datetime(2026, 11, 28, 3, 0, tzinfo=sh)) is None


async def test_customers_reaching_a_send_in_one_window_share_a_task(linked: Linked) -> None:
    nodes = [
        {"id": "w", "kind": "wait", "minutes": 1, "next": "s"},
        {"id": "s", "kind": "send", "text": "您好"},
    ]
    j = await make(linked, {"kind": "livecode_add"}, nodes)
    code = await linked.api("POST", "/api/v1/livecodes", {**SPEC, "strategy": "native"}, 201)
    scans = [
        await linked.sandbox.control("scan", {"config_id": code["config_id"]}) for _ in range(3)
    ]
    await linked.drain()
    # Three customers of zhangsan/lisi entered at :10, :40 and :50 past noon.
    for scan, second in zip(scans, (10, 40, 50), strict=True):
        await JourneyRun.filter(journey_id=j, external_userid=scan["external_userid"]).update(
            due_at=NOON + timedelta(seconds=second)
        )
    for second in (15, 45, 55, 75, 105, 115):  # the waits end at 1:10, 1:40 and 1:50
        await journeys.run_due(clients(linked), NOON + timedelta(seconds=second))
    assert await linked.sandbox.records("mass_message") == []  # held to the window's end
    due = {r.node_id: r.due_at for r in await JourneyRun.filter(journey_id=j)}
    assert due == {"s": NOON + timedelta(minutes=2)}
    await journeys.run_due(clients(linked), NOON + timedelta(minutes=2))
    tasks = [m["data"]["targets"] for m in await linked.sandbox.records("mass_message")]
    owners = {scan["userid"] for scan in scans}
    assert len(tasks) == len(owners)  # one task per owner for the whole window
    assert sum(len(ids) for t in tasks for ids in t.values()) == 3
