"""display_names: name, else remark (this member's first), else id — in one batch of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scrm.enums import RelationStatus
from scrm.models import Corp, FollowRelation
from scrm.services import contacts, display_names
from tests.conftest import CORP_ID
from tests.scrm.conftest import Linked
from tests.sync_stand_in import fill_from_wecom
from wecom.client.models.contacts import Remark

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def test_the_order_is_name_then_remark_then_id() -> None:
    assert display_names.choose("王小明", ["王总"], "wm1") == "王小明"
    assert display_names.choose(" ", ["", "  ", "王总", "老王"], "wm1") == "王总"
    assert display_names.choose("", [], "wm1") == "wm1"


async def befriend(linked: Linked, corp: Corp, pairs: list[tuple[str, str, str]]) -> None:
    """Friendships WeCom has (with names) and the mirror has (from callbacks, without)."""
    friends = [{"userid": u, "external_userid": e, "name": n} for u, e, n in pairs]
    await linked.sandbox.control("friends", {"friends": friends})
    for i, (userid, ext, _) in enumerate(pairs):
        await contacts.record_add(corp, userid, ext, at=T0 + timedelta(minutes=i))


async def test_a_batch_names_everyone_in_chunks(
    linked: Linked, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(display_names, "CHUNK", 2)  # several IN (…) chunks with five people
    corp = await Corp.get(corp_id=CORP_ID)
    await befriend(
        linked,
        corp,
        [
            ("lisi", "wmA", "陈思远"),
            ("lisi", "wmB", "黄佳琪"),
            ("lisi", "wmC", "赵磊"),
            ("wangwu", "wmD", "孙倩"),
        ],
    )
    await linked.client.remark(Remark(userid="lisi", external_userid="wmC", remark="赵老师"))
    await fill_from_wecom(corp, linked.client, ["wmA", "wmB", "wmD"])
    await fill_from_wecom(corp, linked.client, ["wmC"], profile=False)
    people = await display_names.customers(corp.id, ["wmA", "wmB", "wmC", "wmD", "wmNobody"])
    assert {e: p.name for e, p in people.items()} == {
        "wmA": "陈思远",
        "wmB": "黄佳琪",
        "wmC": "赵老师",
        "wmD": "孙倩",
        "wmNobody": "wmNobody",
    }
    assert people["wmA"].avatar.endswith("/sandbox/avatar/wmA.svg")
    assert people["wmNobody"].avatar == ""


async def test_a_members_own_remark_comes_first_then_active_relations(linked: Linked) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    shared = [("lisi", "wmS", "某人"), ("wangwu", "wmS", "某人"), ("zhangsan", "wmS", "某人")]
    await befriend(linked, corp, shared)
    for userid, remark in (("lisi", "李的备注"), ("wangwu", "王的备注"), ("zhangsan", "张的备注")):
        await linked.client.remark(Remark(userid=userid, external_userid="wmS", remark=remark))
    await fill_from_wecom(corp, linked.client, ["wmS"], profile=False)
    assert await display_names.name(corp.id, "wmS", "wangwu") == "王的备注"
    assert await display_names.name(corp.id, "wmS") == "李的备注"  # the oldest relation
    lisi = await contacts.ensure_staff(corp, "lisi")
    await FollowRelation.filter(staff_id=lisi.id).update(status=RelationStatus.STAFF_DELETED)
    assert await display_names.name(corp.id, "wmS") == "王的备注"  # active ones first
    assert await display_names.name(corp.id, "wmS", "lisi") == "李的备注"  # still theirs
    await fill_from_wecom(corp, linked.client, ["wmS"])
    assert await display_names.name(corp.id, "wmS", "lisi") == "某人"  # a name beats remarks
