"""display_names: name, else remark (this member's first), else id — in one batch of queries."""

from __future__ import annotations

import pytest

from scrm.enums import RelationStatus
from scrm.models import Corp, FollowRelation
from scrm.services import display_names
from tests.conftest import CORP_ID
from tests.scrm.conftest import Linked
from tests.sync.helpers import sync_customers
from wecom.client.models.contacts import Remark


def test_the_order_is_name_then_remark_then_id() -> None:
    assert display_names.choose("王小明", ["王总"], "wm1") == "王小明"
    assert display_names.choose(" ", ["", "  ", "王总", "老王"], "wm1") == "王总"
    assert display_names.choose("", [], "wm1") == "wm1"


async def befriend(linked: Linked, pairs: list[tuple[str, str, str]]) -> None:
    """Friendships WeCom has, then the corp sync that brings them into the mirror."""
    friends = [{"userid": u, "external_userid": e, "name": n} for u, e, n in pairs]
    await linked.sandbox.control("friends", {"friends": friends})


async def remark(linked: Linked, userid: str, ext: str, text: str) -> None:
    await linked.client.remark(Remark(userid=userid, external_userid=ext, remark=text))


async def test_a_batch_names_everyone_in_chunks(
    linked: Linked, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(display_names, "CHUNK", 2)  # several IN (…) chunks with five people
    await befriend(
        linked,
        [
            ("lisi", "wmA", "陈思远"),
            ("lisi", "wmB", "黄佳琪"),
            ("lisi", "wmC", ""),  # WeCom gives no name
            ("wangwu", "wmD", "孙倩"),
        ],
    )
    await remark(linked, "lisi", "wmA", "陈总")  # a name beats a remark
    await remark(linked, "lisi", "wmC", "赵老师")
    await sync_customers(linked)
    corp = await Corp.get(corp_id=CORP_ID)
    people = await display_names.customers(corp.id, ["wmA", "wmB", "wmC", "wmD", "wmNobody"])
    assert {e: p.name for e, p in people.items()} == {
        "wmA": "陈思远",
        "wmB": "黄佳琪",
        "wmC": "赵老师",
        "wmD": "孙倩",
        "wmNobody": "wmNobody",  # the mirror does not know them: the id
    }
    assert people["wmA"].avatar.endswith("/sandbox/avatar/wmA.svg")
    assert people["wmNobody"].avatar == ""


async def test_a_members_own_remark_comes_first_then_active_relations(linked: Linked) -> None:
    await befriend(linked, [("lisi", "wmS", ""), ("wangwu", "wmS", ""), ("zhangsan", "wmS", "")])
    for userid, text in (("lisi", "李的备注"), ("wangwu", "王的备注"), ("zhangsan", "张的备注")):
        await remark(linked, userid, "wmS", text)
    await sync_customers(linked)
    corp = await Corp.get(corp_id=CORP_ID)
    assert await display_names.name(corp.id, "wmS", "wangwu") == "王的备注"
    by_age = (
        await FollowRelation.filter(corp_id=corp.id, customer__external_userid="wmS")
        .order_by("added_at", "id")
        .values_list("remark", flat=True)
    )
    assert await display_names.name(corp.id, "wmS") == by_age[0]  # the oldest relation's
    oldest = await FollowRelation.get(corp_id=corp.id, remark=by_age[0])
    oldest.status = RelationStatus.STAFF_DELETED
    await oldest.save()
    assert await display_names.name(corp.id, "wmS") == by_age[1]  # active ones first
    userid = {"李的备注": "lisi", "王的备注": "wangwu", "张的备注": "zhangsan"}[str(by_age[0])]
    assert await display_names.name(corp.id, "wmS", userid) == by_age[0]  # still theirs
