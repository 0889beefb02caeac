"""Baseline handlers keep the local mirror true: relations, groups, tags."""

from __future__ import annotations

from typing import Any

from handlers import build_dispatcher
from scrm.enums import GroupStatus, RelationStatus
from scrm.infra.dispatch import UNHANDLED
from scrm.infra.settings import Settings
from scrm.models import Corp, Customer, FollowRelation, GroupChat, GroupMember, Tag, TagGroup
from tests.callbacks import event_xml
from tests.conftest import CORP_ID
from wecom.events import parse_event


async def feed(xml: bytes) -> Any:
    corp = await Corp.get(corp_id=CORP_ID)
    return await build_dispatcher().feed(parse_event(xml), corp=corp, inbox_id=1)


def contact(change: str, user: str, ext: str, t: int, **extra: str) -> bytes:
    return event_xml(
        CORP_ID,
        t,
        Event="change_external_contact",
        ChangeType=change,
        UserID=user,
        ExternalUserID=ext,
        **extra,
    )


def chat(change: str, chat_id: str, t: int, **extra: Any) -> bytes:
    return event_xml(
        CORP_ID, t, Event="change_external_chat", ChangeType=change, ChatId=chat_id, **extra
    )


async def relation(user: str, ext: str) -> FollowRelation:
    return await FollowRelation.get(staff__userid=user, customer__external_userid=ext)


async def test_add_then_customer_deletes_staff(db: Settings) -> None:
    assert (
        await feed(contact("add_external_contact", "zs", "wmC", 1700000000, State="ch1"))
        == "added"
    )
    rel = await relation("zs", "wmC")
    assert rel.status == RelationStatus.ACTIVE and rel.state == "ch1"
    assert (await Customer.get(external_userid="wmC")).first_channel == "ch1"
    await feed(contact("del_follow_user", "zs", "wmC", 1700000100))
    rel = await relation("zs", "wmC")
    assert rel.status == RelationStatus.CUSTOMER_DELETED
    assert rel.deleted_at is not None and int(rel.deleted_at.timestamp()) == 1700000100


async def test_staff_deletes_and_transfer_are_distinct(db: Settings) -> None:
    await feed(contact("add_external_contact", "zs", "wmD", 1700000000))
    await feed(contact("add_external_contact", "ls", "wmD", 1700000001))
    await feed(contact("del_external_contact", "zs", "wmD", 1700000200))
    await feed(
        contact("del_external_contact", "ls", "wmD", 1700000300, Source="DELETE_BY_TRANSFER")
    )
    assert (await relation("zs", "wmD")).status == RelationStatus.STAFF_DELETED
    assert (await relation("ls", "wmD")).status == RelationStatus.TRANSFERRED


async def test_half_add_then_full_add_and_readd_after_delete(db: Settings) -> None:
    await feed(contact("add_half_external_contact", "zs", "wmE", 1700000000, State="s"))
    assert (await relation("zs", "wmE")).status == RelationStatus.PENDING
    await feed(contact("add_external_contact", "zs", "wmE", 1700000010, State="s"))
    assert (await relation("zs", "wmE")).status == RelationStatus.ACTIVE
    await feed(contact("del_follow_user", "zs", "wmE", 1700000020))
    await feed(contact("add_external_contact", "zs", "wmE", 1700000030))
    rel = await relation("zs", "wmE")
    assert rel.status == RelationStatus.ACTIVE and rel.deleted_at is None
    assert await FollowRelation.filter(customer__external_userid="wmE").count() == 1


async def test_group_lifecycle(db: Settings) -> None:
    await feed(chat("create", "wrG1", 1700000000))
    await feed(
        chat(
            "update",
            "wrG1",
            1700000001,
            UpdateDetail="add_member",
            JoinScene="3",
            MemChangeCnt="2",
            MemChangeList=["wmA", "zhangsan"],
            CurMemVer="v2",
        )
    )
    group = await GroupChat.get(chat_id="wrG1")
    assert group.member_count == 2 and group.member_version == "v2"
    joined = await GroupMember.get(chat_id=group.id, member_id="wmA")
    assert joined.join_scene == 3 and joined.type.value == "external"
    await feed(
        chat(
            "update",
            "wrG1",
            1700000002,
            UpdateDetail="del_member",
            QuitScene="1",
            MemChangeCnt="1",
            MemChangeList=["wmA"],
        )
    )
    await group.refresh_from_db()
    left = await GroupMember.get(chat_id=group.id, member_id="wmA")
    assert group.member_count == 1 and not left.active and left.quit_scene == 1
    await feed(chat("dismiss", "wrG1", 1700000003))
    await group.refresh_from_db()
    assert group.status == GroupStatus.DISMISSED and group.dismissed_at is not None
    assert not await GroupMember.filter(chat_id=group.id, active=True).exists()


async def test_tag_delete_marks_rows(db: Settings) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    grp = await TagGroup.create(corp=corp, group_id="g1", name="客户等级")
    await Tag.create(corp=corp, group=grp, tag_id="t1", name="VIP")
    await Tag.create(corp=corp, group=grp, tag_id="t2", name="普通")
    await feed(
        event_xml(
            CORP_ID,
            1700000000,
            Event="change_external_tag",
            ChangeType="delete",
            Id="t1",
            TagType="tag",
        )
    )
    assert (await Tag.get(tag_id="t1")).deleted and not (await Tag.get(tag_id="t2")).deleted
    await feed(
        event_xml(
            CORP_ID,
            1700000001,
            Event="change_external_tag",
            ChangeType="delete",
            Id="g1",
            TagType="tag_group",
        )
    )
    assert (await TagGroup.get(group_id="g1")).deleted and (await Tag.get(tag_id="t2")).deleted


async def test_unknown_event_reaches_the_fallback(db: Settings) -> None:
    result = await feed(event_xml(CORP_ID, 1700000000, Event="something_new"))
    assert result == "ignored" and result is not UNHANDLED
