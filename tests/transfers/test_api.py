"""The transfers and churn API: scoped by role, inputs bounded, every write in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrm.models import AuditLog, ChurnEvent, Handover, Task
from tests.leads.test_access_and_work import token
from tests.transfers.conftest import DAY, Linked, corp, seed_friends


async def audited(path: str) -> list[AuditLog]:
    return [row for row in await AuditLog.all() if row.data.get("path") == path]


async def test_onjob_through_the_api_with_scope_and_audit(linked: Linked) -> None:
    a, b = await seed_friends(linked, "zhangsan", ["甲", "乙"])
    check = await linked.api(
        "POST", "/api/v1/transfers/check",
        {"handover_userid": "zhangsan", "external_userids": [a, "wmOther"]},
    )  # fmt: skip
    assert check == {
        "movable": [a],
        "blocked": [{"external_userid": "wmOther", "reason": "不是该成员的客户"}],
    }
    body = {
        "handover_userid": "zhangsan", "takeover_userid": "lisi",
        "external_userids": [a, b], "message": "您好，我是李四",
    }  # fmt: skip
    # A manager of another team may not move 张三's customers; bad input is a 422.
    manager = await token(linked, "manager", "wangwu")
    resp = await linked.bot.post("/api/v1/transfers/onjob", json=body, headers=manager)
    assert resp.status == 403
    bads = [
        {**body, "message": "长" * 201},
        {**body, "external_userids": []},
        {**body, "takeover_userid": "nobody"},
    ]
    for bad in bads:
        assert (
            await linked.bot.post("/api/v1/transfers/onjob", json=bad, headers=manager)
        ).status in (403, 422)
    started = await linked.api("POST", "/api/v1/transfers/onjob", body, status=201)
    assert sorted(started["started"]) == sorted([a, b]) and started["blocked"] == []
    same = await linked.api(
        "POST", "/api/v1/transfers/onjob", {**body, "takeover_userid": "zhangsan"}, status=422
    )
    assert "不能相同" in same["error"]

    rows = await linked.api("GET", "/api/v1/transfers?status=waiting")
    assert {r["external_userid"] for r in rows} == {a, b}
    one = await linked.api("GET", f"/api/v1/transfers/{rows[0]['id']}")
    assert one["status"] == "waiting"
    await linked.api("GET", "/api/v1/transfers?status=nonsense", status=422)
    # The team's manager sees them; another member's token does not.
    mine = await token(linked, "manager", "lisi", ["zhangsan"])
    resp = await linked.bot.get("/api/v1/transfers", headers=mine)
    assert resp.status == 200 and len(await resp.json()) == 2
    staff = await token(linked, "staff", "wangwu")
    assert (
        await linked.bot.get(f"/api/v1/transfers/{rows[0]['id']}", headers=staff)
    ).status == 403

    await linked.sandbox.control("transfers/refuse", {"external_userid": b})
    await linked.sandbox.control("clock", {"advance": DAY})
    counts = await linked.api("POST", "/api/v1/transfers/poll")
    assert counts == {"done": 1, "refused": 1}
    assert (await Handover.get(external_userid=a)).status == "done"

    audit = await audited("/api/v1/transfers/onjob")
    assert len(audit) == 1 and audit[0].data["request"]["takeover_userid"] == "lisi"
    assert len(await audited("/api/v1/transfers/poll")) == 1


async def test_resigned_assign_and_groups_through_the_api(linked: Linked) -> None:
    exts = await seed_friends(linked, "wangwu", ["一", "二"])
    chat = (await linked.sandbox.control("groups", {"owner": "wangwu", "name": "老群"}))["chat_id"]
    await linked.sandbox.control("staff/wangwu/resign")
    await linked.drain()
    listed = await linked.api("GET", "/api/v1/transfers/unassigned")
    assert {c["external_userid"] for c in listed["customers"]} == set(exts)
    assert [g["chat_id"] for g in listed["groups"]] == [chat]
    manager = await token(linked, "manager", "lisi", ["zhangsan"])
    assert (await linked.bot.get("/api/v1/transfers/unassigned", headers=manager)).status == 403
    items = [{"handover_userid": "wangwu", "external_userid": e} for e in exts]
    result = await linked.api(
        "POST", "/api/v1/transfers/resigned",
        {"items": items, "takeover_userids": ["zhangsan", "lisi"]}, status=201,
    )  # fmt: skip
    assert result["started"] == [exts[0], exts[1]] and result["blocked"] == []
    await linked.api(
        "POST", "/api/v1/transfers/resigned", {"items": items, "takeover_userids": []}, status=422
    )
    moved = await linked.api(
        "POST", "/api/v1/transfers/groups",
        {"chat_ids": [chat], "takeover_userid": "lisi", "resigned": True}, status=201,
    )  # fmt: skip
    assert moved["started"] == [chat]
    assert (await linked.api("GET", "/api/v1/transfers/unassigned"))["customers"] == []


async def test_lost_customers_reengage_and_settings(linked: Linked) -> None:
    (a,) = await seed_friends(linked, "zhangsan", ["戊客户"])
    await linked.sandbox.control(
        "customer_deletes_staff", {"userid": "zhangsan", "external_userid": a}
    )
    await linked.drain()
    (lost,) = await linked.api("GET", "/api/v1/churn")
    assert lost["name"] == "戊客户" and lost["member_name"] == "张三"
    assert lost["customer_for"] == "40 天" and lost["notified_at"] is not None
    other = await token(linked, "staff", "lisi")
    resp = await linked.bot.get("/api/v1/churn", headers=other)
    assert await resp.json() == []
    assert (
        await linked.bot.post(f"/api/v1/churn/{lost['id']}/task", json={}, headers=other)
    ).status == 404
    made = await linked.api("POST", f"/api/v1/churn/{lost['id']}/task", {}, status=201)
    task = await Task.get(id=made["task_id"])
    assert task.assignee == "zhangsan" and task.external_userid == a and "戊客户" in task.title
    assert task.due_at is not None and task.due_at > datetime.now(UTC) + timedelta(hours=23)
    await linked.api("POST", f"/api/v1/churn/{lost['id']}/task", {}, status=409)
    assert (await ChurnEvent.get(id=lost["id"])).reengaged_task_id == task.id
    assert await linked.api("GET", "/api/v1/transfer-settings") == {
        "churn_notify_member": True, "churn_notify_manager": False,
    }  # fmt: skip
    changed = await linked.api(
        "PUT", "/api/v1/transfer-settings",
        {"churn_notify_member": True, "churn_notify_manager": True},
    )  # fmt: skip
    assert changed["churn_notify_manager"] is True
    await linked.api(
        "PUT", "/api/v1/transfer-settings", {"churn_notify_manager": "maybe"}, status=422
    )
    c = await corp()
    rows = await audited("/api/v1/transfer-settings")
    assert len(rows) == 1 and rows[0].corp_id == c.id  # type: ignore[attr-defined]
    assert len(await audited(f"/api/v1/churn/{lost['id']}/task")) == 1


async def test_saved_rules_hand_out_a_departed_members_customers(linked: Linked) -> None:
    from scrm.models import Staff

    await Staff.filter(userid="wangwu").update(manager_userid="zhangsan")
    by_manager = await linked.api(
        "POST", "/api/v1/transfer-rules", {"name": "交给主管", "to_manager": True}, status=201
    )
    team = await linked.api(
        "POST", "/api/v1/transfer-rules",
        {"name": "李四接", "takeover_userids": ["lisi"]}, status=201,
    )  # fmt: skip
    for bad in (
        {"name": "两者都有", "to_manager": True, "takeover_userids": ["lisi"]},
        {"name": "都没有"},
        {"name": "无此人", "takeover_userids": ["nobody"]},
        {"name": "长" * 33, "to_manager": True},
    ):
        await linked.api("POST", "/api/v1/transfer-rules", bad, status=422)
    await linked.api(
        "POST", "/api/v1/transfer-rules", {"name": "交给主管", "to_manager": True}, status=409
    )
    assert [r["name"] for r in await linked.api("GET", "/api/v1/transfer-rules")] == [
        "交给主管",
        "李四接",
    ]

    first = await seed_friends(linked, "wangwu", ["甲"])
    await Staff.create(corp_id=(await corp()).id, userid="zhaoliu", name="赵六")
    await linked.sandbox.control("staff", {"userid": "zhaoliu", "name": "赵六"})
    second = await seed_friends(linked, "zhaoliu", ["乙"])
    for userid in ("wangwu", "zhaoliu"):
        await linked.sandbox.control(f"staff/{userid}/resign")
    await linked.drain()
    items = [
        {"handover_userid": "wangwu", "external_userid": first[0]},
        {"handover_userid": "zhaoliu", "external_userid": second[0]},
    ]
    result = await linked.api(
        "POST",
        "/api/v1/transfers/resigned",
        {"items": items, "rule_id": by_manager["id"]},
        status=201,
    )
    # 王五's manager is 张三; 赵六 has none, so that customer waits with the reason.
    assert result["started"] == [first[0]]
    assert result["blocked"] == [{"external_userid": second[0], "reason": "原成员没有在职的主管"}]
    assert (await Handover.get(external_userid=first[0])).takeover_userid == "zhangsan"
    result = await linked.api(
        "POST",
        "/api/v1/transfers/resigned",
        {"items": items[1:], "rule_id": team["id"]},
        status=201,
    )
    assert result["started"] == [second[0]]
    assert (await Handover.get(external_userid=second[0])).takeover_userid == "lisi"
    await linked.api(
        "POST", "/api/v1/transfers/resigned", {"items": items, "rule_id": 999999}, status=422
    )
    await linked.api("DELETE", f"/api/v1/transfer-rules/{team['id']}")
    await linked.api("GET", f"/api/v1/transfer-rules/{team['id']}", status=404)


async def test_reengage_through_a_live_code(linked: Linked) -> None:
    from tests.livecode.test_api import SPEC

    code = await linked.api("POST", "/api/v1/livecodes", SPEC, status=201)
    (a,) = await seed_friends(linked, "lisi", ["庚客户"])
    await linked.sandbox.control(
        "customer_deletes_staff", {"userid": "lisi", "external_userid": a}
    )
    await linked.drain()
    (lost,) = await linked.api("GET", "/api/v1/churn")
    path = f"/api/v1/churn/{lost['id']}/task"
    await linked.api("POST", path, {"livecode_id": 999999}, status=422)
    await linked.api("POST", path, {"livecode_id": "x"}, status=422)
    made = await linked.api("POST", path, {"livecode_id": code["id"]}, status=201)
    task = await Task.get(id=made["task_id"])
    assert task.assignee == "lisi" and task.title.startswith(
        "请把渠道活码「门店海报」发给「庚客户」"
    )
    assert task.title.endswith(f"/l/{code['id']}")
