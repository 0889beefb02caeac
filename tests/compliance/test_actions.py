"""Sensitive actions from callbacks: recorded once, mirrored as before, alerts by the rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from handlers import build_dispatcher
from scrm.enums import GroupStatus, RelationStatus
from scrm.infra.settings import Settings
from scrm.models import ActionEvent, Alert, Corp, FollowRelation, GroupChat
from tests.callbacks import event_xml
from tests.compliance.conftest import Linked
from tests.conftest import CORP_ID
from tests.livecode.test_api import SPEC
from wecom.events import parse_event

# 2026-11-27 10:00 in Shanghai; the local day runs 2026-11-26 16:00 … 11-27 16:00 UTC.
MORNING = int(datetime(2026, 11, 27, 2, 0, tzinfo=UTC).timestamp())


async def feed(change: str, user: str, ext: str, t: int, **extra: str) -> Any:
    xml = event_xml(
        CORP_ID,
        t,
        Event="change_external_contact",
        ChangeType=change,
        UserID=user,
        ExternalUserID=ext,
        **extra,
    )
    corp = await Corp.get(corp_id=CORP_ID)
    return await build_dispatcher().feed(parse_event(xml), corp=corp, inbox_id=1)


async def test_staff_deleting_a_customer_is_mirrored_recorded_and_alerted_once(
    linked: Linked,
) -> None:
    code = await linked.api("POST", "/api/v1/livecodes", {**SPEC, "strategy": "native"}, 201)
    scan = await linked.sandbox.control("scan", {"config_id": code["config_id"], "name": "合规客"})
    await linked.drain()
    who = {"userid": scan["userid"], "external_userid": scan["external_userid"]}
    # The sandbox named the customer; the add's refresh (externalcontact/get) told the mirror.
    await linked.sandbox.control("staff_deletes_customer", who)
    await linked.drain()
    rel = await FollowRelation.get(
        staff__userid=scan["userid"], customer__external_userid=scan["external_userid"]
    )
    assert rel.status == RelationStatus.STAFF_DELETED  # the mirror handler still ran
    event = await ActionEvent.get(kind="staff_deleted_customer")
    assert (event.staff_userid, event.external_userid) == (scan["userid"], scan["external_userid"])
    alert = await Alert.get(kind="action")
    assert alert.severity == "medium" and alert.staff_userid == scan["userid"]
    assert "删除了客户「合规客」" in alert.context and alert.details["event_id"] == event.id
    # The same callback handled again (an inbox replay): nothing new.
    result = await feed(
        "del_external_contact", scan["userid"], scan["external_userid"], int(event.at.timestamp())
    )
    assert result == RelationStatus.STAFF_DELETED.value
    assert await ActionEvent.all().count() == 1 and await Alert.all().count() == 1


async def test_more_than_five_deletions_a_day_is_one_critical_alert(db: Settings) -> None:
    for i in range(7):
        await feed("del_external_contact", "zhangsan", f"wmX{i}", MORNING + i * 600)
    per_event = await Alert.filter(severity="medium", staff_userid="zhangsan").count()
    critical = await Alert.filter(severity="critical")
    assert per_event == 7 and len(critical) == 1
    assert critical[0].details["count"] == 6 and critical[0].details["threshold"] == 6
    # The next local day (00:30 Shanghai) is a new window: five more stay below the threshold.
    next_day = int(datetime(2026, 11, 27, 16, 30, tzinfo=UTC).timestamp())
    for i in range(5):
        await feed("del_external_contact", "zhangsan", f"wmY{i}", next_day + i)
    assert await Alert.filter(severity="critical").count() == 1
    # Another member's deletions count for them alone.
    for i in range(5):
        await feed("del_external_contact", "lisi", f"wmZ{i}", MORNING + i)
    assert await Alert.filter(severity="critical").count() == 1


async def test_window_is_the_local_day_and_a_late_retry_still_counts_once(db: Settings) -> None:
    # 23:50 and 00:10 Shanghai time fall in different days even though 20 minutes apart.
    late = int(datetime(2026, 11, 27, 15, 50, tzinfo=UTC).timestamp())
    for i in range(5):
        await feed("del_external_contact", "zhangsan", f"wmA{i}", late - i * 60)
    await feed("del_external_contact", "zhangsan", "wmA9", late + 20 * 60)
    assert await Alert.filter(severity="critical").count() == 0
    # The sixth of the day arrives late (after the next day's event), then again as a retry.
    await feed("del_external_contact", "zhangsan", "wmA5", late - 3600)
    await feed("del_external_contact", "zhangsan", "wmA5", late - 3600)
    assert await ActionEvent.filter(external_userid="wmA5").count() == 1
    assert await Alert.filter(severity="critical").count() == 1


async def test_customers_deleting_a_member_and_transfers(db: Settings) -> None:
    for i in range(4):
        await feed("del_follow_user", "lisi", f"wmB{i}", MORNING + i)
    assert await Alert.all().count() == 0  # below the default of five a day
    await feed("del_follow_user", "lisi", "wmB4", MORNING + 9)
    alert = await Alert.get()
    assert (alert.severity, alert.details["action"], alert.details["count"]) == (
        "high",
        "customer_deleted_staff",
        5,
    )
    await feed("transfer_fail", "wangwu", "wmB0", MORNING + 20, FailReason="customer_refused")
    failed = await Alert.get(staff_userid="wangwu")
    assert failed.details["reason"] == "customer_refused" and failed.staff_userid == "wangwu"
    # Removed by 在职继承 is not the member deleting anyone.
    await feed("del_external_contact", "lisi", "wmB1", MORNING + 30, Source="DELETE_BY_TRANSFER")
    assert await ActionEvent.filter(kind="staff_deleted_customer").count() == 0


async def test_dismissed_group_alerts_about_its_owner(linked: Linked) -> None:
    chat = await linked.sandbox.control("groups", {"owner": "zhangsan", "name": "VIP群"})
    await linked.drain()
    await linked.sandbox.control(f"groups/{chat['chat_id']}/dismiss")
    await linked.drain()
    group = await GroupChat.get(chat_id=chat["chat_id"])
    assert group.status == GroupStatus.DISMISSED  # mirrored as before
    alert = await Alert.get(kind="action")
    assert alert.staff_userid == "zhangsan" and alert.chat_id == chat["chat_id"]
    assert "解散了客户群「VIP群」" in alert.context


async def test_stored_rules_replace_the_defaults(linked: Linked) -> None:
    listed = await linked.api("GET", "/api/v1/compliance/rules")
    assert listed["defaults_in_effect"] and listed["rules"] == []
    bad = await linked.api(
        "POST", "/api/v1/compliance/rules", {"kind": "nope", "threshold": 0}, status=422
    )
    assert {d["loc"] for d in bad["details"]} == {"kind", "threshold"}
    rule = await linked.api(
        "POST",
        "/api/v1/compliance/rules",
        {"kind": "staff_deleted_customer", "threshold": 2, "window_minutes": 60},
        status=201,
    )
    await linked.api(
        "POST",
        "/api/v1/compliance/rules",
        {"kind": "staff_deleted_customer", "threshold": 1, "enabled": False},
        status=201,
    )
    await linked.api(
        "PUT", f"/api/v1/compliance/rules/{rule['id']}", {**rule_body(rule), "severity": "high"}
    )
    hour = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    await feed("del_external_contact", "zhangsan", "wmR1", int(hour.timestamp()) + 60)
    assert await Alert.all().count() == 0  # one is below 2, and the per-event rule is off
    await feed(
        "del_external_contact", "zhangsan", "wmR2", int((hour + timedelta(minutes=59)).timestamp())
    )
    alert = await Alert.get()
    assert (alert.rule_id, alert.severity) == (rule["id"], "high")
    audit = await linked.api("GET", "/api/v1/compliance/audit?object_type=rule")
    assert [a["action"] for a in audit] == ["update", "create", "create"]
    assert audit[0]["data"]["before"]["severity"] == "medium"


def rule_body(rule: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rule.items() if k != "id"}
