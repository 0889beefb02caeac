"""The settings API: corps with write-only secrets, staff sync with progress, tags made in WeCom,
admin logins, the audit log with its diff, and the full re-score with progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections

from admin.api.auth import hash_token
from admin.api.passwords import verify_password
from scrm.infra import background
from scrm.models import (
    AdminUser,
    ApiToken,
    AuditLog,
    Corp,
    Department,
    Lead,
    ScoringRule,
    Staff,
    Tag,
)
from tests.conftest import AES_KEY, CORP_ID, SECRET
from tests.livecode.conftest import Linked, linked  # noqa: F401

NEW_CORP = {
    "corp_id": "ww0123456789abcdef",
    "name": "分公司",
    "agent_id": 1000005,
    "token": "abcDEF123",
    "aes_key": AES_KEY,
    "secret": "the-branch-secret-value",
}


async def token_for(role: str, userid: str = "", team: list[str] | None = None) -> dict[str, str]:
    corp = await Corp.get(corp_id=CORP_ID)
    raw = f"tok-{role}-{userid}"
    await ApiToken.create(
        corp_id=corp.id,
        name=raw,
        token_hash=hash_token(raw),
        role=role,
        userid=userid,
        team=team or [],
    )
    return {"Authorization": f"Bearer {raw}"}


async def finished(linked: Linked, op_id: str) -> dict[str, Any]:  # noqa: F811
    await background.wait_all()
    return dict(await linked.api("GET", f"/api/v1/progress/{op_id}"))


async def test_corp_secrets_are_write_only_and_validated(linked: Linked) -> None:  # noqa: F811
    listed = await linked.api("GET", "/api/v1/corps")
    assert [c["corp_id"] for c in listed] == [CORP_ID]
    assert listed[0]["secret_set"] and listed[0]["aes_key_set"] and listed[0]["token_set"]
    assert SECRET not in str(listed) and AES_KEY not in str(listed)
    assert "secret" not in listed[0] and "aes_key" not in listed[0]

    for bad, field in (
        ({**NEW_CORP, "aes_key": AES_KEY[:42]}, "aes_key"),
        ({**NEW_CORP, "aes_key": AES_KEY[:42] + "!"}, "aes_key"),
        ({**NEW_CORP, "corp_id": "not-a-corp"}, "corp_id"),
        ({**NEW_CORP, "agent_id": 0}, "agent_id"),
        ({**NEW_CORP, "timezone": "Mars/Base"}, "timezone"),
    ):
        body = await linked.api("POST", "/api/v1/corps", bad, status=422)
        assert body["details"][0]["loc"] == field, body
    made = await linked.api("POST", "/api/v1/corps", NEW_CORP, status=201)
    assert NEW_CORP["secret"] not in str(made) and made["secret_set"] is True
    assert made["callback_path"] == "/wecom/callback/ww0123456789abcdef"
    await linked.api("POST", "/api/v1/corps", NEW_CORP, status=409)

    path = f"/api/v1/corps/{made['id']}"
    # Empty secrets keep the stored ones; a given one replaces it.
    await linked.api("PUT", path, {"name": "华南分公司", "secret": "", "aes_key": ""})
    row = await Corp.get(id=made["id"])
    assert (row.name, row.secret, row.aes_key) == ("华南分公司", NEW_CORP["secret"], AES_KEY)
    await linked.api("PUT", path, {"secret": "rotated-secret"})
    assert (await Corp.get(id=made["id"])).secret == "rotated-secret"
    await linked.api("PUT", path, {"corp_id": "ww9999999999999999"}, status=422)
    await linked.api("PUT", "/api/v1/corps/999", {"name": "x"}, status=404)
    # At rest the secret is encrypted.
    sql = f"SELECT secret FROM corp WHERE id = {int(made['id'])}"
    _, rows = await connections.get("default").execute_query(sql)
    assert rows[0]["secret"].startswith("gAAAA") and "rotated" not in rows[0]["secret"]


async def test_staff_sync_upserts_deactivates_and_reports_progress(linked: Linked) -> None:  # noqa: F811
    await linked.sandbox.control(
        "staff", {"userid": "zhaoliu", "name": "赵六", "department": [1, 2]}
    )
    await linked.sandbox.control("staff", {"userid": "sunqi", "name": "孙七", "department": [2]})
    await linked.sandbox.control("staff", {"userid": "wangwu", "name": "王五", "resigned": True})
    first = await linked.api("POST", "/api/v1/staff/sync", status=202)
    again = await linked.api("POST", "/api/v1/staff/sync", status=202)
    assert first["started"] and not again["started"] and again["id"] == first["id"]

    done = await finished(linked, first["id"])
    assert done["state"] == "done", done
    # sunqi is only in department 2, found through zhaoliu's departments.
    assert done["result"] == {
        "added": 2,
        "updated": 2,
        "unchanged": 0,
        "deactivated": 1,
        "members": 4,
        "departments": 3,  # the sandbox's 总部, 销售部, 市场部 (department/list)
    }
    rows = {s.userid: s for s in await Staff.all()}
    assert rows["zhaoliu"].name == "赵六" and rows["zhaoliu"].department_ids == [1, 2]
    assert rows["sunqi"].active and not rows["wangwu"].active
    stored = await Department.all().order_by("dept_id").values_list("dept_id", "name", "parent_id")
    assert stored == [(1, "总部", 0), (2, "销售部", 1), (3, "市场部", 1)]

    # Unchanged names are not written again; a renamed one is.
    again = await finished(
        linked, (await linked.api("POST", "/api/v1/staff/sync", status=202))["id"]
    )
    assert again["result"]["departments"] == 0
    await linked.sandbox.control("departments", {"departments": {"2": "华南销售部"}})
    third = await finished(
        linked, (await linked.api("POST", "/api/v1/staff/sync", status=202))["id"]
    )
    assert third["result"]["departments"] == 1
    assert (await Department.get(dept_id=2)).name == "华南销售部"

    page = await linked.api("GET", "/api/v1/staff?active=0")
    assert [s["userid"] for s in page["items"]] == ["wangwu"] and page["total"] == 1
    found = await linked.api("GET", "/api/v1/staff?q=赵")
    assert [s["userid"] for s in found["items"]] == ["zhaoliu"]
    assert found["items"][0]["departments"] == ["总部", "华南销售部"]


async def test_failed_sync_deactivates_nobody(linked: Linked) -> None:  # noqa: F811
    await linked.sandbox.control("faults", {"api": "user/simplelist", "errcode": 60011})
    started = await linked.api("POST", "/api/v1/staff/sync", status=202)
    done = await finished(linked, started["id"])
    assert done["state"] == "failed" and "60011" in done["message"]
    assert await Staff.filter(active=True).count() == 3


async def test_staff_list_is_scoped_and_sync_is_for_admins(linked: Linked) -> None:  # noqa: F811
    boss = await token_for("manager", "zhangsan", ["lisi"])
    resp = await linked.bot.get("/api/v1/staff", headers=boss)
    assert sorted(s["userid"] for s in (await resp.json())["items"]) == ["lisi", "zhangsan"]
    lisi = await token_for("staff", "lisi")
    assert (await linked.bot.get("/api/v1/staff", headers=lisi)).status == 403
    assert (await linked.bot.post("/api/v1/staff/sync", headers=boss)).status == 403


async def test_tags_are_created_and_deleted_in_wecom(linked: Linked) -> None:  # noqa: F811
    made = await linked.api(
        "POST", "/api/v1/tags", {"group_name": "客户等级", "names": ["高意向"]}, status=201
    )
    assert [t["name"] for t in made["tags"]] == ["高意向"]
    more = await linked.api(
        "POST", "/api/v1/tags", {"group_id": made["id"], "names": ["低意向"]}, status=201
    )
    # The first tag survives the second add (WeCom answers only the new tags).
    assert sorted(t["name"] for t in more["tags"]) == ["低意向", "高意向"]
    listed = await linked.client.get_corp_tags()
    names = {t.name for g in listed.tag_group for t in g.tag}
    assert {"高意向", "低意向"} <= names

    dup = await linked.api(
        "POST", "/api/v1/tags", {"group_id": made["id"], "names": ["高意向"]}, status=409
    )
    assert "同名" in dup["error"]
    await linked.api("POST", "/api/v1/tags", {"names": ["x"]}, status=422)
    await linked.api("POST", "/api/v1/tags", {"group_name": "g", "names": ["a" * 31]}, status=422)

    high = next(t for t in more["tags"] if t["name"] == "高意向")
    await linked.api("DELETE", f"/api/v1/tags/{high['id']}")
    listed = await linked.client.get_corp_tags()
    assert "高意向" not in {t.name for g in listed.tag_group for t in g.tag}
    groups = await linked.api("GET", "/api/v1/tags")
    assert [t["name"] for t in groups[0]["tags"]] == ["低意向"]
    assert await Tag.filter(deleted=True).count() == 1
    await linked.api("DELETE", f"/api/v1/tag-groups/{made['id']}")
    assert await linked.api("GET", "/api/v1/tags") == []


async def test_admin_users_lifecycle(linked: Linked) -> None:  # noqa: F811
    base = {"username": "xiaoli", "password": "Li-pass-2026", "role": "staff", "userid": "lisi"}
    made = await linked.api("POST", "/api/v1/admin-users", base, status=201)
    assert "password" not in str(made) and "hash" not in str(made)
    await linked.api("POST", "/api/v1/admin-users", base, status=409)
    for bad in (
        {**base, "username": "a1", "userid": "nobody"},
        {**base, "username": "a2", "password": "short1"},
        {**base, "username": "a3", "role": "god"},
        {**base, "username": "a4", "userid": ""},
        {**base, "username": "a5", "team": ["wangwu"]},
    ):
        await linked.api("POST", "/api/v1/admin-users", bad, status=422)

    path = f"/api/v1/admin-users/{made['id']}"
    boss = await linked.api("PUT", path, {"role": "manager", "team": ["wangwu"]})
    assert (boss["role"], boss["team"]) == ("manager", ["wangwu"])
    # Back to staff: a team means nothing there and is dropped.
    assert (await linked.api("PUT", path, {"role": "staff"}))["team"] == []
    await linked.api("POST", f"{path}/password", {"password": "New-pass-2026"})
    user = await AdminUser.get(id=made["id"])
    assert verify_password("New-pass-2026", user.password_hash)
    await linked.api("POST", f"{path}/password", {"password": "weak"}, status=422)

    user.failed_logins, user.locked_until = 0, datetime.now(UTC) + timedelta(minutes=10)
    await user.save()
    assert (await linked.api("GET", path))["locked"] is True
    assert (await linked.api("POST", f"{path}/unlock"))["locked"] is False
    assert (await linked.api("PUT", path, {"active": False}))["active"] is False

    admin = await linked.api(
        "POST",
        "/api/v1/admin-users",
        {"username": "root", "password": "Root-pass-2026", "role": "admin"},
        status=201,
    )
    last = await linked.api(
        "PUT", f"/api/v1/admin-users/{admin['id']}", {"active": False}, status=409
    )
    assert "最后一个" in last["error"]
    lisi = await token_for("staff", "lisi")
    resp = await linked.bot.post("/api/v1/admin-users", json=base, headers=lisi)
    assert resp.status == 403


async def test_audit_log_shows_the_recycling_change(linked: Linked) -> None:  # noqa: F811
    settings = await linked.api("GET", "/api/v1/lead-settings")
    changed = {**settings, "recycle_days": {**settings["recycle_days"], "A": 5}}
    await linked.api("PUT", "/api/v1/lead-settings", changed)
    page = await linked.api("GET", "/api/v1/audit-log?object_type=lead-settings")
    assert page["total"] == 1
    entry = page["items"][0]
    assert (entry["actor"], entry["action"]) == ("admin", "update")
    assert {"path": "recycle_days.A", "before": 3, "after": 5} in entry["changes"]
    assert all(c["path"] != "mql_threshold" for c in entry["changes"])

    for n in range(3):
        await AuditLog.create(
            corp_id=(await Corp.get(corp_id=CORP_ID)).id,
            actor="ops",
            action="create",
            object_type="livecodes",
            object_id=str(n),
        )
    by_ops = await linked.api("GET", "/api/v1/audit-log?actor=ops&limit=2&offset=1")
    assert by_ops["total"] == 3 and [e["object_id"] for e in by_ops["items"]] == ["1", "0"]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert (await linked.api("GET", f"/api/v1/audit-log?since={tomorrow}"))["total"] == 0
    await linked.api("GET", "/api/v1/audit-log?since=yesterday", status=422)


async def test_rescore_reports_progress_and_changes_scores(linked: Linked) -> None:  # noqa: F811
    for city in ("上海", "上海", "北京"):
        await linked.api("POST", "/api/v1/leads", {"name": "客户", "city": city}, status=201)
    corp = await Corp.get(corp_id=CORP_ID)
    # Stored directly: the API's own rule route would also queue the silent arq re-score.
    await ScoringRule.create(
        corp_id=corp.id,
        name="上海",
        kind="attribute",
        field="city",
        value_json='"上海"',
        points=45,
    )
    started = await linked.api("POST", "/api/v1/scoring-rules/rescore", status=202)
    done = await finished(linked, started["id"])
    assert done["state"] == "done" and done["result"] == {"leads": 3, "changed": 2}
    assert sorted(await Lead.all().values_list("score", flat=True)) == [0, 45, 45]


async def test_rules_can_be_listed_and_retired(linked: Linked) -> None:  # noqa: F811
    rule = await linked.api(
        "POST",
        "/api/v1/assignment-rules",
        {"name": "上海", "conditions": {"city": ["上海"]}, "members": ["lisi"]},
        status=201,
    )
    assert [r["name"] for r in await linked.api("GET", "/api/v1/assignment-rules")] == ["上海"]
    await linked.api("DELETE", f"/api/v1/assignment-rules/{rule['id']}")
    assert await linked.api("GET", "/api/v1/assignment-rules") == []
    await linked.api("DELETE", f"/api/v1/assignment-rules/{rule['id']}", status=404)
    scoring = await linked.api(
        "POST",
        "/api/v1/scoring-rules",
        {"name": "渠道", "kind": "attribute", "field": "channel", "value": "x", "points": 5},
        status=201,
    )
    await linked.api("DELETE", f"/api/v1/scoring-rules/{scoring['id']}")
    # The {id} routes leave the older fixed paths reachable.
    assert (await linked.api("POST", "/api/v1/scoring-rules/recompute", status=202))["queued"]
    await linked.api("GET", "/api/v1/scoring-rules/recompute", status=404)
    assert await linked.api("GET", "/api/v1/scoring-rules") == []
    deleted = await linked.api("GET", "/api/v1/audit-log?action=delete")
    assert {e["object_type"] for e in deleted["items"]} == {"assignment-rules", "scoring-rules"}
    # The delete's before-snapshot names the rule that went.
    assert any(c["before"] == "渠道" for e in deleted["items"] for c in e["changes"])
