"""The review API: list and filters, detail with conversation, every action audited, the
false positive feeding the allow-list, role scoping, statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.compliance.alerts import raise_alert
from scrm.models import AllowPhrase, AuditLog, ChatMessage, ComplianceSettings, Corp, Staff
from tests.compliance.conftest import Linked
from tests.conftest import CORP_ID

T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 11:00 in Shanghai


async def word_alert(staff: str = "zhangsan", n: int = 1, word: str = "返现") -> int:
    corp = await Corp.get(corp_id=CORP_ID)
    at = T0 + timedelta(minutes=n)
    text = f"加我微信{word}给你，电话13812345678"
    await ChatMessage.create(
        corp_id=corp.id,
        msgid=f"w{n}",
        sender=staff,
        receivers=["wmCust"],
        msgtime=at,
        text=text,
        direction="staff_to_customer",
        staff_userid=staff,
        external_userid="wmCust",
    )
    alert = await raise_alert(
        corp.id,
        kind="word",
        dedup_key=f"word:w{n}",
        occurred_at=at,
        severity="high",
        context=text,
        staff_userid=staff,
        external_userid="wmCust",
        msgid=f"w{n}",
        word=word,
        category="诱导",
    )
    assert alert is not None
    return alert.id


async def chat(corp_id: int, msgid: str, at: datetime, text: str, customer: bool) -> None:
    await ChatMessage.create(
        corp_id=corp_id,
        msgid=msgid,
        sender="wmCust" if customer else "zhangsan",
        msgtime=at,
        text=text,
        direction="customer_to_staff" if customer else "staff_to_customer",
        staff_userid="zhangsan",
        external_userid="wmCust",
    )


async def test_list_filters_and_detail_with_masked_conversation(linked: Linked) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    await chat(corp.id, "c0", T0 - timedelta(minutes=5), "我的手机 139-8765-4321", True)
    first = await word_alert(n=1)
    await chat(corp.id, "c2", T0 + timedelta(minutes=3), "好的", True)
    await word_alert("lisi", n=2, word="保本")
    listed = await linked.api("GET", "/api/v1/compliance/alerts?staff_userid=zhangsan")
    assert listed["total"] == 1 and listed["items"][0]["id"] == first
    assert (await linked.api("GET", "/api/v1/compliance/alerts?kind=word,action"))["total"] == 2
    assert (await linked.api("GET", "/api/v1/compliance/alerts?status=resolved"))["total"] == 0
    since = (T0 + timedelta(minutes=2)).isoformat().replace("+00:00", "Z")
    got = await linked.api("GET", f"/api/v1/compliance/alerts?since={since}")
    assert [a["word"] for a in got["items"]] == ["保本"]
    await linked.api("GET", "/api/v1/compliance/alerts?since=yesterday", status=422)
    await linked.api("GET", "/api/v1/compliance/alerts/999", status=404)
    detail = await linked.api("GET", f"/api/v1/compliance/alerts/{first}")
    convo = detail["conversation"]
    assert [m["msgid"] for m in convo] == ["c0", "w1", "c2"]
    assert [m["matched"] for m in convo] == [False, True, False]
    assert convo[0]["text"] == "我的手机 139****4321" and "138****5678" in detail["context"]


async def test_every_review_action_is_audited_and_states_are_enforced(linked: Linked) -> None:
    alert = await word_alert()
    base = f"/api/v1/compliance/alerts/{alert}"
    await linked.api("POST", f"{base}/acknowledge", {"note": "看看"})
    again = await linked.api("POST", f"{base}/acknowledge", status=409)
    assert again["status_now"] == "acknowledged"
    await linked.api("POST", f"{base}/assign", {"assignee": "nobody"}, status=422)
    assert (await linked.api("POST", f"{base}/assign", {"assignee": "wangwu"}))[
        "assignee"
    ] == "wangwu"
    await linked.api("POST", f"{base}/comments", {"text": ""}, status=422)
    await linked.api("POST", f"{base}/comments", {"text": "已与成员沟通"}, status=201)
    resolved = await linked.api("POST", f"{base}/resolve", {"note": "已处理"})
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    await linked.api("POST", f"{base}/resolve", status=409)
    assert (await linked.api("POST", f"{base}/reopen"))["resolved_at"] is None
    await linked.api("POST", f"{base}/acknowledge", {"unknown": 1}, status=422)
    detail = await linked.api("GET", base)
    actions = [a["action"] for a in detail["audit"]]
    assert actions == ["acknowledge", "assign", "comment", "resolve", "reopen"]
    assert all(a["actor"] == "admin" for a in detail["audit"])
    assert detail["audit"][0]["data"] == {
        "before": "open",
        "after": "acknowledged",
        "note": "看看",
    }
    assert detail["comments"][0]["text"] == "已与成员沟通"
    # Refused actions left no trace.
    assert await AuditLog.filter(object_type="alert").count() == 5


async def test_false_positive_feeds_the_allow_list_and_bumps_the_version(linked: Linked) -> None:
    alert = await word_alert()
    base = f"/api/v1/compliance/alerts/{alert}"
    bad = await linked.api("POST", f"{base}/false-positive", {"phrase": "别的话"}, status=422)
    assert "返现" in bad["error"]
    got = await linked.api("POST", f"{base}/false-positive", {"note": "正常活动"})
    # The word with its neighbours, cut at the comma: specific, not the bare word.
    assert got["status"] == "false_positive" and got["allow_phrase"] == "加我微信返现给你"
    phrase = await AllowPhrase.get()
    assert phrase.phrase == "加我微信返现给你" and phrase.created_by == "admin"
    assert (await ComplianceSettings.get()).words_version == 1
    await linked.api("POST", f"{base}/false-positive", status=409)  # decided already
    other = await word_alert(n=2)
    given = await linked.api(
        "POST", f"/api/v1/compliance/alerts/{other}/false-positive", {"phrase": "返现"}
    )
    assert given["allow_phrase"] == "返现" and await AllowPhrase.all().count() == 2
    assert (await ComplianceSettings.get()).words_version == 2
    logged = await AuditLog.filter(action="allow_phrase").values_list("data", flat=True)
    assert [d["phrase"] for d in logged] == ["加我微信返现给你", "返现"]  # type: ignore[index]


async def token(linked: Linked, role: str, userid: str, team: list[str]) -> dict[str, str]:
    body = {"name": userid, "role": role, "userid": userid, "team": team}
    got = await linked.api("POST", "/api/v1/api-tokens", body, status=201)
    return {"Authorization": f"Bearer {got['token']}"}


async def call(linked: Linked, path: str, headers: dict[str, str], method: str = "GET") -> Any:
    resp = await linked.bot.request(method, path, headers=headers)
    return resp.status, await resp.json()


async def test_managers_review_their_team_and_staff_cannot(linked: Linked) -> None:
    mine, theirs = await word_alert("lisi", n=1), await word_alert("wangwu", n=2)
    manager = await token(linked, "manager", "zhangsan", ["lisi"])
    status, body = await call(linked, "/api/v1/compliance/alerts", manager)
    assert status == 200 and [a["id"] for a in body["items"]] == [mine]
    status, _ = await call(linked, f"/api/v1/compliance/alerts/{theirs}", manager)
    assert status == 404
    status, body = await call(
        linked, f"/api/v1/compliance/alerts/{mine}/acknowledge", manager, "POST"
    )
    assert status == 200
    assert (await AuditLog.get(object_type="alert", object_id=str(mine))).actor == "zhangsan"
    staff = await token(linked, "staff", "lisi", [])
    status, _ = await call(linked, "/api/v1/compliance/alerts", staff)
    assert status == 403
    status, _ = await call(linked, "/api/v1/compliance/rules", manager, "POST")
    assert status == 403


async def test_statistics_per_staff_team_word_and_week(linked: Linked) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    await Staff.filter(corp_id=corp.id, userid="zhangsan").update(department_ids=[2, 5])
    await Staff.filter(corp_id=corp.id, userid="lisi").update(department_ids=[5])
    a = await word_alert("zhangsan", n=1)
    await word_alert("zhangsan", n=2, word="保本")
    await word_alert("lisi", n=3)
    await linked.api("POST", f"/api/v1/compliance/alerts/{a}/false-positive")
    got = await linked.api("GET", "/api/v1/compliance/stats?weeks=520")
    assert got["total"] == 3
    assert [(r["staff_userid"], r["total"]) for r in got["by_staff"]] == [
        ("zhangsan", 2),
        ("lisi", 1),
    ]
    assert {r["department_id"]: r["total"] for r in got["by_team"]} == {"5": 3, "2": 2}
    words = {r["word"]: r for r in got["by_word"]}
    assert words["返现"]["total"] == 2 and words["返现"]["false_positive_rate"] == 0.5
    assert [(r["week"], r["total"]) for r in got["by_week"]] == [("2026-W48", 3)]
    assert got["by_staff"][0]["by_severity"] == {"high": 2}
