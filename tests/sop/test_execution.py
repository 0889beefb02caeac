"""SOP against the sandbox with a controlled clock: plan, fire once, track, pause, edit, crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.infra import keys
from scrm.models import Corp, GroupChat, SopPlan, SopRun, Staff
from scrm.sop import execute, materialize, track
from tests.sop.conftest import Linked
from wecom.client.models.common import Text
from wecom.client.models.messages import MsgTemplate

STEP = {
    "id": "d1",
    "schedule": {"kind": "offset", "day": 1, "at": "10:00"},
    "text": "欢迎新朋友！",
}


async def groups(linked: Linked, owner: str, n: int) -> list[str]:
    chats = [
        (await linked.sandbox.control("groups", {"owner": owner, "name": f"VIP{owner}{i}"}))[
            "chat_id"
        ]
        for i in range(n)
    ]
    await linked.drain()
    return chats


async def plan(linked: Linked, **spec: Any) -> dict[str, Any]:
    body = {"name": "新群欢迎", "target": {"name_pattern": "VIP*"}, "steps": [STEP], **spec}
    return dict(await linked.api("POST", "/api/v1/sop-plans", body, status=201))


def clients(linked: Linked) -> Any:
    return linked.bot.app[keys.CLIENTS].for_corp


async def due_of(plan_id: int) -> datetime:
    run = await SopRun.filter(plan_id=plan_id).order_by("due_at").first()
    assert run is not None
    return run.due_at


async def test_runs_are_planned_once_fired_once_per_owner_and_tracked(linked: Linked) -> None:
    zs, ls = await groups(linked, "zhangsan", 2), await groups(linked, "lisi", 1)
    p = await plan(linked)
    assert p["planned_runs"] == 3
    row = await SopPlan.get(id=p["id"])
    assert await materialize.materialize(row) == 0  # idempotent
    preview = await linked.api("GET", f"/api/v1/sop-plans/{p['id']}/preview?days=3")
    assert sorted(x["chat_id"] for x in preview) == sorted(zs + ls)
    due = await due_of(p["id"])
    assert await execute.claim_due(due - timedelta(seconds=1)) == []  # not yet
    runs = await execute.claim_due(due + timedelta(seconds=1))
    assert len(runs) == 3 and await execute.claim_due(due + timedelta(seconds=1)) == []
    assert await execute.fire(runs, clients(linked), due) == 3
    mass = [m["data"] for m in await linked.sandbox.records("mass_message")]
    # One task per owner, covering all of that owner's groups.
    assert sorted(sorted(t) for m in mass for t in m["targets"].values()) == sorted(
        [sorted(zs), sorted(ls)]
    )
    # zhangsan confirms; lisi does not: reminded, then the manager, then expired.
    zs_msg = (await SopRun.filter(target_id=zs[0]).first()).msgid  # type: ignore[union-attr]
    await linked.sandbox.control(f"mass/{zs_msg}/confirm", {"userid": "zhangsan"})
    await Staff.filter(userid="lisi").update(manager_userid="wangwu")
    lisi_run = await SopRun.filter(target_id=ls[0]).first()
    assert lisi_run is not None and lisi_run.fired_at is not None
    fired_at = lisi_run.fired_at  # when WeCom took the task
    got = await track.track(clients(linked), fired_at + timedelta(minutes=31))
    assert got == {"sent": 2, "reminded": 1}
    got = await track.track(clients(linked), fired_at + timedelta(minutes=121))
    assert got == {"escalated": 1}
    got = await track.track(clients(linked), fired_at + timedelta(hours=25))
    assert got == {"expired": 1}
    notes = [n["data"] for n in await linked.sandbox.records("notification")]
    assert [n["touser"] for n in notes] == [["lisi"], ["wangwu"]]
    stats = await linked.api("GET", f"/api/v1/sop-plans/{p['id']}/stats")
    assert stats == {"d1": {"sent": 2, "expired": 1}}


async def test_new_matching_group_joins_and_pause_skips_due_runs(linked: Linked) -> None:
    p = await plan(linked)
    assert p["planned_runs"] == 0 and "warning" in p
    chats = await groups(linked, "zhangsan", 1)  # created after the plan: joins by itself
    assert await SopRun.filter(plan_id=p["id"], target_id=chats[0]).count() == 1
    await linked.api("POST", f"/api/v1/sop-plans/{p['id']}/pause")
    due = await due_of(p["id"])
    assert await execute.claim_due(due + timedelta(seconds=1)) == []
    assert await execute.skip_paused(due + timedelta(seconds=1)) == 1
    await linked.api("POST", f"/api/v1/sop-plans/{p['id']}/resume")
    assert await execute.claim_due(due + timedelta(seconds=2)) == []  # skipped stays skipped


async def test_edit_replans_the_future_and_keeps_the_past(linked: Linked) -> None:
    await groups(linked, "zhangsan", 1)
    weekly = {
        "id": "w",
        "schedule": {"kind": "weekly", "weekdays": [1, 2, 3, 4, 5, 6, 7], "at": "08:00"},
        "text": "早安",
    }
    p = await plan(linked, steps=[STEP, weekly])
    first = await SopRun.filter(plan_id=p["id"]).order_by("due_at").first()
    assert first is not None
    await SopRun.filter(id=first.id).update(
        status="sent", due_at=datetime.now(UTC) - timedelta(hours=1)
    )
    edited = {
        "name": "改",
        "target": {"name_pattern": "VIP*"},
        "steps": [{**weekly, "text": "早上好"}],
    }
    out = await linked.api("PUT", f"/api/v1/sop-plans/{p['id']}", edited)
    assert out["version"] == 2
    runs = await SopRun.filter(plan_id=p["id"]).order_by("due_at")
    assert runs[0].id == first.id and runs[0].status == "sent"  # the past is untouched
    assert {r.step_id for r in runs[1:]} == {"w"}  # the dropped step is gone from the future


async def test_a_crash_between_wecom_and_our_write_neither_loses_nor_doubles(
    linked: Linked,
) -> None:
    chats = await groups(linked, "zhangsan", 2)
    p = await plan(linked)
    due = await due_of(p["id"])
    claimed = await execute.claim_due(due + timedelta(seconds=1))
    assert sorted(r["target_id"] for r in claimed) == sorted(chats)  # both now `firing`
    now = datetime.now(UTC)  # the claim and the WeCom call happen at the wall clock's time
    await SopRun.filter(plan_id=p["id"]).update(fired_at=now)
    corp = await Corp.get()
    # The task reached WeCom, then the worker died before recording it.
    await clients(linked)(corp).add_msg_template(
        MsgTemplate(
            chat_type="group",
            sender="zhangsan",
            chat_id_list=chats,
            text=Text(content=STEP["text"]),
        )
    )
    later = now + execute.STUCK_AFTER + timedelta(minutes=1)
    assert await execute.reconcile(clients(linked), later) == 2
    after = await SopRun.filter(plan_id=p["id"])
    assert {r.status for r in after} == {"fired"} and len({r.msgid for r in after}) == 1
    assert len(await linked.sandbox.records("mass_message")) == 1  # not sent twice


async def test_stuck_run_without_a_wecom_task_fires_again_and_transient_errors_retry(
    linked: Linked,
) -> None:
    await groups(linked, "zhangsan", 1)
    p = await plan(linked)
    due = await due_of(p["id"])
    await execute.claim_due(due + timedelta(seconds=1))  # claimed, then the worker died
    later = due + execute.STUCK_AFTER + timedelta(minutes=1)
    assert await execute.reconcile(clients(linked), later) == 1
    await linked.sandbox.control(
        "faults", {"api": "externalcontact/add_msg_template", "errcode": 45009, "count": 1}
    )
    runs = await execute.claim_due(later)
    assert await execute.fire(runs, clients(linked), later) == 1
    assert (await SopRun.get(plan_id=p["id"])).status == "fired"
    assert len(await linked.sandbox.records("mass_message")) == 1
    assert await GroupChat.all().count() == 1
