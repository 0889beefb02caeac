"""Storing and scanning messages against the real database: alerts, dedup, scope, rebuilds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import count

from scrm.compliance import matcher, words
from scrm.compliance.scan import ArchivedMessage, classify, store_and_scan
from scrm.infra.settings import Settings
from scrm.models import Alert, ChatMessage, ComplianceSettings, Corp, Staff
from tests.conftest import CORP_ID

_ids = count(1)
AT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def msg(
    text: str, sender: str = "zhangsan", to: str = "wmCUSTOMER1", roomid: str = ""
) -> ArchivedMessage:
    n = next(_ids)
    return ArchivedMessage(f"m{n}", sender, AT, [to], roomid, "text", text, n)


async def corp_pk() -> int:
    return (await Corp.get(corp_id=CORP_ID)).id


async def add(corp: int, word: str, **spec: object) -> None:
    assert await words.add_word(corp, words.WordSpec(word=word, **spec)) is not None  # type: ignore[arg-type]


async def test_a_hit_raises_one_alert_with_who_what_where_and_masked_context(db: Settings) -> None:
    corp = await corp_pk()
    await add(corp, "赌博", category="gambling", severity="high")
    m = msg("我的手机 138 1234 5678，晚上一起赌 博吧")
    result = await store_and_scan(corp, "test", [m])
    assert (result.stored, result.alerts) == (1, 1)
    alert = await Alert.get(corp_id=corp, msgid=m.msgid)
    assert alert.kind == "word" and alert.severity == "high" and alert.word == "赌博"
    assert alert.category == "gambling"
    assert (alert.staff_userid, alert.external_userid) == ("zhangsan", "wmCUSTOMER1")
    assert "138****5678" in alert.context and "1234" not in alert.context
    assert "赌 博" in alert.context
    assert alert.details["direction"] == "staff_to_customer"
    assert alert.details["hits"][0]["matched"] == "赌 博"
    assert "1234" not in str(alert.details)
    assert alert.occurred_at == AT


async def test_the_same_message_never_alerts_twice(db: Settings) -> None:
    corp = await corp_pk()
    await add(corp, "赌博")
    await add(corp, "返现", severity="critical")
    m = msg("赌博赢了给你返现，赌博")
    first = await store_and_scan(corp, "test", [m, m])  # the batch repeats it too
    again = await store_and_scan(corp, "test", [m])
    assert (first.stored, first.alerts) == (1, 1)
    assert (again.stored, again.duplicates, again.alerts) == (0, 1, 0)
    assert await ChatMessage.filter(corp_id=corp).count() == 1
    (alert,) = await Alert.filter(corp_id=corp)
    assert alert.severity == "critical" and alert.word == "返现"  # the most severe leads
    assert sorted(h["word"] for h in alert.details["hits"]) == ["赌博", "赌博", "返现"]
    # even a fresh scan of the stored message (a new library version) adds nothing
    await add(corp, "赢了")
    assert (await store_and_scan(corp, "other", [m])).alerts == 0
    assert await Alert.filter(corp_id=corp).count() == 1


async def test_direction_scope(db: Settings) -> None:
    corp = await corp_pk()
    await add(corp, "返现", directions=["staff_to_customer"])
    await add(corp, "投诉", directions=["customer_to_staff", "group"])
    out = msg("买了就返现")
    back = msg("返现呢？不然我投诉", sender="wmCUSTOMER1", to="zhangsan")
    group = msg("群里说返现", roomid="wrGROUP1", to="wmCUSTOMER2")
    result = await store_and_scan(corp, "test", [out, back, group])
    assert result.alerts == 2
    words_by_msg = {a.msgid: a.word for a in await Alert.filter(corp_id=corp)}
    assert words_by_msg == {out.msgid: "返现", back.msgid: "投诉"}
    back_alert = await Alert.get(msgid=back.msgid)
    assert (back_alert.staff_userid, back_alert.external_userid) == ("zhangsan", "wmCUSTOMER1")


async def test_staff_and_department_scope(db: Settings) -> None:
    corp = await corp_pk()
    await Staff.create(corp_id=corp, userid="zhangsan", department_ids=[2])
    await Staff.create(corp_id=corp, userid="lisi", department_ids=[3, 7])
    await add(corp, "保本", scope_userids=["zhangsan"])
    await add(corp, "稳赚", scope_departments=[7])
    msgs = [
        msg("保本稳赚", sender="zhangsan"),
        msg("保本稳赚", sender="lisi"),
        msg("保本稳赚", sender="wangwu"),  # unknown staff: no departments
    ]
    await store_and_scan(corp, "test", msgs)
    got = {a.staff_userid: sorted(h["word"] for h in a.details["hits"]) for a in await Alert.all()}
    assert got == {"zhangsan": ["保本"], "lisi": ["稳赚"]}


async def test_internal_chat_is_stored_but_not_scanned(db: Settings) -> None:
    corp = await corp_pk()
    await add(corp, "赌博")
    m = msg("赌博", sender="zhangsan", to="lisi")
    assert (await store_and_scan(corp, "test", [m])).alerts == 0
    assert (await ChatMessage.get(msgid=m.msgid)).direction == "internal"


async def test_library_changes_rebuild_the_matcher(db: Settings) -> None:
    corp = await corp_pk()
    await add(corp, "发票")
    built = await matcher.for_corp(corp)
    assert built is await matcher.for_corp(corp)  # cached while the version stands
    assert (await store_and_scan(corp, "t", [msg("代开发票")])).alerts == 1
    assert await words.add_allow(corp, words.AllowSpec(phrase="电子发票")) is not None
    assert await matcher.for_corp(corp) is not built
    assert (await store_and_scan(corp, "t", [msg("电子发票已发")])).alerts == 0
    row = await words.SensitiveWord.get(corp_id=corp, word="发票")
    await words.update_word(row, words.WordSpec(word="发票", enabled=False))
    assert (await store_and_scan(corp, "t", [msg("代开发票")])).alerts == 0
    versions = await ComplianceSettings.get(corp_id=corp)
    assert versions.words_version == 3


async def test_times_are_stored_in_utc(db: Settings) -> None:
    corp = await corp_pk()
    local = datetime(2026, 11, 30, 18, 0, tzinfo=timezone(timedelta(hours=8)))
    m = msg("你好")
    m.msgtime = local
    await store_and_scan(corp, "t", [m])
    stored = await ChatMessage.get(msgid=m.msgid)
    assert stored.msgtime == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def test_classify() -> None:
    assert classify(msg("x", sender="zhangsan", to="wmA"))[:1] == ("staff_to_customer",)
    assert classify(msg("x", sender="woB", to="lisi")) == ("customer_to_staff", "lisi", "woB")
    assert classify(msg("x", sender="wmA", roomid="wr1", to="lisi")) == ("group", "lisi", "wmA")
    assert classify(msg("x", sender="lisi", to="zhangsan"))[0] == "internal"
