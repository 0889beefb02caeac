"""Role-scoped access, tasks with reminders, follow-ups, the customer timeline, CSV import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.jobs.tasks import remind_tasks
from scrm.infra import keys
from scrm.models import Corp, Lead
from scrm.services import contacts
from tests.leads.conftest import Linked


async def token(
    linked: Linked, role: str, userid: str = "", team: list[str] | None = None
) -> dict[str, str]:
    body = {"name": f"{role}-{userid}", "role": role, "userid": userid, "team": team or []}
    issued = await linked.api("POST", "/api/v1/api-tokens", body, status=201)
    return {"Authorization": f"Bearer {issued['token']}"}


async def call(
    linked: Linked, method: str, path: str, headers: dict[str, str], json: Any = None
) -> tuple[int, Any]:
    resp = await linked.bot.request(method, path, json=json, headers=headers)
    return resp.status, await resp.json()


async def test_staff_see_their_own_and_the_pool_managers_their_team(linked: Linked) -> None:
    await linked.api(
        "POST",
        "/api/v1/assignment-rules",
        {"name": "all", "members": ["zhangsan", "lisi", "wangwu"]},
        status=201,
    )
    made = [
        await linked.api(
            "POST", "/api/v1/leads", {"name": f"L{i}", "phone": f"1380000000{i}"}, status=201
        )
        for i in range(3)
    ]
    owners = [m["owner_userid"] for m in made]
    assert owners == ["zhangsan", "lisi", "wangwu"]
    zs = await token(linked, "staff", "zhangsan")
    mgr = await token(linked, "manager", "lisi", team=["wangwu"])
    status, mine = await call(linked, "GET", "/api/v1/leads", zs)
    assert status == 200 and [x["owner_userid"] for x in mine] == ["zhangsan"]
    status, _ = await call(linked, "GET", f"/api/v1/leads/{made[1]['id']}", zs)
    assert status == 404  # someone else's lead looks absent
    status, team = await call(linked, "GET", "/api/v1/leads", mgr)
    assert sorted(x["owner_userid"] for x in team) == ["lisi", "wangwu"]
    status, _ = await call(linked, "PUT", "/api/v1/lead-settings", zs, {"holding_cap": 1})
    assert status == 403
    status, _ = await call(linked, "GET", "/api/v1/reports/pipeline", zs)
    assert status == 403
    status, _ = await call(linked, "GET", "/api/v1/reports/pipeline", mgr)
    assert status == 200
    status, body = await call(
        linked, "POST", "/api/v1/opportunities", zs, {"name": "x", "owner_userid": "lisi"}
    )
    assert status == 403
    assert (
        await linked.bot.get("/api/v1/leads", headers={"Authorization": "Bearer nope"})
    ).status == 401


async def test_tasks_remind_once_and_followups_fill_the_timeline(linked: Linked) -> None:
    corp = await Corp.get()
    now = datetime.now(UTC)
    await contacts.record_add(
        corp, "zhangsan", "wm360", at=now - timedelta(days=2), state="poster"
    )
    await linked.api(
        "POST", "/api/v1/leads", {"name": "三六零", "phone": "13800000360"}, status=201
    )
    lead = await Lead.get(name="三六零")
    from scrm.models import Customer

    lead.customer = await Customer.get(external_userid="wm360")
    await lead.save()
    task = await linked.api(
        "POST",
        "/api/v1/tasks",
        {
            "title": "回访报价",
            "assignee": "zhangsan",
            "external_userid": "wm360",
            "due_at": (now + timedelta(hours=2)).isoformat(),
            "remind_at": (now - timedelta(minutes=1)).isoformat(),
        },
        status=201,
    )
    ctx = {"clients": linked.bot.app[keys.CLIENTS]}
    assert await remind_tasks(ctx) == 1
    assert await remind_tasks(ctx) == 0  # once
    notes = await linked.sandbox.records("notification")
    assert (
        notes[-1]["data"]["touser"] == ["zhangsan"] and "回访报价" in notes[-1]["data"]["content"]
    )
    await linked.api(
        "POST",
        "/api/v1/followups",
        {"userid": "zhangsan", "external_userid": "wm360", "note": "客户要三份报价"},
        status=201,
    )
    await linked.api("POST", f"/api/v1/tasks/{task['id']}/done")
    tl = await linked.api("GET", "/api/v1/customers/wm360/timeline")
    kinds = [i["kind"] for i in tl["timeline"]]
    assert kinds[0] == "wecom.added" and {"lead.intake", "followup", "task"} <= set(kinds)
    assert tl["leads"][0]["id"] == lead.id and tl["first_channel"] == "poster"
    other = await token(linked, "staff", "lisi")
    status, _ = await call(linked, "GET", "/api/v1/customers/wm360/timeline", other)
    assert status == 404


async def test_csv_import_dry_run_then_for_real(linked: Linked) -> None:
    csv_text = (
        "\ufeffname,phone,city,industry\n"
        "甲,13800000001,上海,教育\n"
        "乙,+86 138-0000-0001,上海,\n"  # the same person as line 2
        "丙,,北京,医疗\n"  # no phone, no unionid
        "丁,13900000002,广州,\n"
    )
    dry = await linked.bot.post(
        "/api/v1/leads/import?dry_run=1",
        data=csv_text.encode(),
        headers={"Authorization": "Bearer test-admin-token"},
    )
    report = await dry.json()
    assert (report["rows"], report["valid"], report["would_create"], report["would_merge"]) == (
        4,
        3,
        2,
        1,
    )
    assert report["errors"] == [{"line": 4, "error": "缺少手机号或 unionid"}]
    assert await Lead.all().count() == 0  # a dry run writes nothing
    real = await linked.bot.post(
        "/api/v1/leads/import",
        data=csv_text.encode(),
        headers={"Authorization": "Bearer test-admin-token"},
    )
    done = await real.json()
    assert (done["created"], done["merged"]) == (2, 1)
    first = await Lead.get(name="甲")
    assert first.touches == 2 and first.attributes["industry"] == "教育"
    bad = await linked.bot.post(
        "/api/v1/leads/import",
        data=b"foo,bar\n1,2\n",
        headers={"Authorization": "Bearer test-admin-token"},
    )
    assert bad.status == 400


async def test_bad_ids_and_numbers_are_4xx_not_500(linked: Linked) -> None:
    for path in (
        "/api/v1/leads/abc",
        "/api/v1/leads/99999999999999999999",
        "/api/v1/livecodes/-1/stats",
        "/api/v1/sop-plans/1e3/stats",
        "/api/v1/journeys/0/stats",
    ):
        status, body = await call(
            linked, "GET", path, {"Authorization": "Bearer test-admin-token"}
        )
        assert status == 404 and body["error"].startswith("no such"), path
    status, body = await call(
        linked, "GET", "/api/v1/leads?limit=lots", {"Authorization": "Bearer test-admin-token"}
    )
    assert status == 422 and "limit" in body["error"]
    assert (await linked.bot.get("/l/99999999999999999999")).status == 404
    status, _ = await call(
        linked,
        "GET",
        "/api/v1/reports/sla?since=2026-11-01T00:00%2B08:00",
        {"Authorization": "Bearer test-admin-token"},
    )
    assert status == 200
    status, body = await call(
        linked,
        "GET",
        "/api/v1/reports/sla?since=yesterday",
        {"Authorization": "Bearer test-admin-token"},
    )
    assert status == 422


async def test_a_reminder_given_in_shanghai_time_fires_at_that_instant(linked: Linked) -> None:
    from datetime import timezone

    sh = timezone(timedelta(hours=8))
    due = (datetime.now(UTC) + timedelta(minutes=1)).astimezone(sh)
    await linked.api(
        "POST",
        "/api/v1/tasks",
        {"title": "t", "assignee": "zhangsan", "remind_at": due.isoformat()},
        status=201,
    )
    ctx = {"clients": linked.bot.app[keys.CLIENTS]}
    assert await remind_tasks(ctx, datetime.now(UTC)) == 0  # a minute early: not yet
    assert await remind_tasks(ctx, datetime.now(UTC) + timedelta(minutes=2)) == 1
