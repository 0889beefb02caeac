"""The read endpoints the SOP admin pages use: one plan, one journey, the month calendar with
forecasts; and ops leads (not managers) may write plans and journeys."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from admin.api.auth import hash_token
from scrm.models import ApiToken, Corp, SopPlan, SopRun
from tests.sop.conftest import Linked
from tests.sop.test_execution import STEP, groups

ZONE = ZoneInfo("Asia/Shanghai")
DAILY = {
    "id": "am",
    "schedule": {"kind": "weekly", "weekdays": [1, 2, 3, 4, 5, 6, 7], "at": "07:30"},
    "text": "早安",
}


async def token(role: str, userid: str = "") -> dict[str, str]:
    corp = await Corp.get()
    await ApiToken.create(
        corp_id=corp.id, name=role, token_hash=hash_token(role), role=role, userid=userid
    )
    return {"Authorization": f"Bearer {role}"}


def next_month() -> str:
    today = datetime.now(ZONE).date()
    return f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"


async def test_one_plan_and_one_journey_as_their_editors_need_them(linked: Linked) -> None:
    body = {"name": "x", "target": {"owners": ["zhangsan"]}, "steps": [STEP]}
    plan = await linked.api("POST", "/api/v1/sop-plans", {**body, "expire_after_hours": 48}, 201)
    got = await linked.api("GET", f"/api/v1/sop-plans/{plan['id']}")
    assert (got["name"], got["expire_after_hours"], got["remind_after_minutes"]) == ("x", 48, 30)
    assert {k: got["steps"][0]["schedule"][k] for k in ("kind", "day", "at")} == STEP["schedule"]
    await linked.api("GET", "/api/v1/sop-plans/999999", status=404)
    await linked.api("GET", "/api/v1/sop-plans/abc", status=404)

    spec = {
        "name": "j",
        "trigger": {"kind": "livecode_add"},
        "nodes": [{"id": "s1", "kind": "send", "text": "你好"}],
        "exit_tags": ["et_quit"],
        "send_window_minutes": 60,
    }
    j = await linked.api("POST", "/api/v1/journeys", spec, status=201)
    got = await linked.api("GET", f"/api/v1/journeys/{j['id']}")
    assert (got["exit_tags"], got["send_window_minutes"]) == (["et_quit"], 60)
    assert (got["quiet_start"], got["quiet_end"]) == ("21:00", "08:00")
    await linked.api("GET", "/api/v1/journeys/999999", status=404)


async def test_calendar_months_carry_stored_runs_and_forecasts_by_local_day(
    linked: Linked,
) -> None:
    zs, ls = await groups(linked, "zhangsan", 1), await groups(linked, "lisi", 1)
    plan = await linked.api(
        "POST",
        "/api/v1/sop-plans",
        {"name": "早安", "target": {"name_pattern": "VIP*"}, "steps": [DAILY]},
        201,
    )
    month = next_month()
    days = await linked.api("GET", f"/api/v1/sop-calendar?month={month}")
    first = date.fromisoformat(month + "-01")
    # 07:30 in Shanghai is 23:30 UTC the day before: keyed by the local day, every day.
    assert sorted(days)[0] == first.isoformat() and len(days) >= 28
    run = days[first.isoformat()][0]
    assert run["due_at"] == f"{first}T07:30:00+08:00" and run["status"] == "forecast"
    assert {r["target_id"] for r in days[first.isoformat()]} == {*zs, *ls}
    assert {r["plan_id"] for r in days[first.isoformat()]} == {plan["id"]}

    # This month: stored runs keep their status and are not repeated as forecasts.
    stored = await SopRun.filter(plan_id=plan["id"]).order_by("due_at")
    assert stored
    await SopRun.filter(id=stored[0].id).update(status="sent")
    local = stored[0].due_at.astimezone(ZONE)
    this = await linked.api("GET", f"/api/v1/sop-calendar?month={local:%Y-%m}")
    same = [r for r in this[local.date().isoformat()] if r["target_id"] == stored[0].target_id]
    assert [(r["status"], r["due_at"]) for r in same] == [("sent", local.isoformat())]

    # A member sees their own groups only; a bad month is refused.
    mine = await linked.bot.get(
        f"/api/v1/sop-calendar?month={month}", headers=await token("staff", "lisi")
    )
    assert {r["target_id"] for r in (await mine.json())[first.isoformat()]} == set(ls)
    await linked.api("GET", "/api/v1/sop-calendar?month=2026-13", status=422)
    await linked.api("GET", "/api/v1/sop-calendar?month=soon", status=422)
    for far in ("0000-01", "9999-12"):  # no date overflow: a 422, never a 500
        await linked.api("GET", f"/api/v1/sop-calendar?month={far}", status=422)


async def test_ops_leads_write_plans_and_journeys_managers_do_not(linked: Linked) -> None:
    body = {"name": "x", "target": {"owners": ["zhangsan"]}, "steps": [STEP]}
    journey = {
        "name": "j",
        "trigger": {"kind": "livecode_add"},
        "nodes": [{"id": "x", "kind": "exit"}],
    }
    ops, manager = await token("ops"), await token("manager", "zhangsan")
    resp = await linked.bot.post("/api/v1/sop-plans", json=body, headers=ops)
    assert resp.status == 201
    plan = await resp.json()
    assert (
        await linked.bot.post(f"/api/v1/sop-plans/{plan['id']}/pause", headers=ops)
    ).status == 200
    assert (await linked.bot.post("/api/v1/journeys", json=journey, headers=ops)).status == 201
    assert (await linked.bot.post("/api/v1/sop-plans", json=body, headers=manager)).status == 403
    assert (await linked.bot.post("/api/v1/journeys", json=journey, headers=manager)).status == 403
    resumed = await linked.bot.post(f"/api/v1/sop-plans/{plan['id']}/resume", headers=manager)
    assert resumed.status == 403


async def test_no_forecast_before_the_plan_starts(linked: Linked) -> None:
    await groups(linked, "zhangsan", 1)
    plan = await linked.api(
        "POST",
        "/api/v1/sop-plans",
        {"name": "早安", "target": {"owners": ["zhangsan"]}, "steps": [DAILY]},
        201,
    )
    month = next_month()
    start = date.fromisoformat(month + "-11")
    await SopPlan.filter(id=plan["id"]).update(
        starts_at=datetime.combine(start, time(), tzinfo=ZONE).astimezone(UTC)
    )
    days = await linked.api("GET", f"/api/v1/sop-calendar?month={month}")
    assert sorted(days)[0] == start.isoformat()
