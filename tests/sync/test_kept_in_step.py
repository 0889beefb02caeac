"""Events keep the mirror in step through WeCom's read APIs: adds, edits, groups, tags."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq.connections import ArqRedis

from bot.app import make_arq
from bot.worker import build_worker
from handlers import build_dispatcher
from livecode import service
from livecode.schemas import LiveCodeSpec, MemberSpec
from scrm.infra.settings import Settings
from scrm.models import Corp, Customer, FollowRelation, GroupChat, GroupMember, Staff, Tag
from scrm.models.livecode import LiveCodeAdd
from tests.callbacks import event_xml
from tests.conftest import CORP_ID
from tests.wecom.sandbox_fixtures import STAFF, Sandbox, make_client
from wecom.client import WeComClient
from wecom.client.models.contacts import Remark
from wecom.client.models.tags import AddCorpTag, NewTag
from wecom.events import parse_event


@pytest.fixture
async def arq(db: Settings) -> AsyncIterator[ArqRedis]:
    pool = make_arq(db)
    yield pool
    await pool.aclose()


@pytest.fixture
async def corp(db: Settings, sandbox: Sandbox) -> Corp:
    row = await Corp.get(corp_id=CORP_ID)
    row.api_base = sandbox.url  # the worker's clients reach the sandbox
    await row.save()
    for userid, name in STAFF:
        await Staff.create(corp_id=row.id, userid=userid, name=name)
    return row


async def feed(corp: Corp, client: WeComClient, arq: ArqRedis, **fields: Any) -> Any:
    xml = event_xml(CORP_ID, int(time.time()), **fields)
    return await build_dispatcher().feed(
        parse_event(xml), corp=corp, inbox_id=1, redis=arq, wecom=client
    )


async def calls(sandbox: Sandbox, api: str) -> int:
    async with sandbox.http.get(f"{sandbox.url}/sandbox/stats") as r:
        return int((await r.json())["calls"].get(api, 0))


async def drain(settings: Settings) -> None:
    worker = build_worker(settings, burst=True, sweeper=False)
    try:
        await worker.async_run()
    finally:
        await worker.close()


async def test_an_add_is_welcomed_first_and_its_profile_filled_after(
    db: Settings, sandbox: Sandbox, corp: Corp, arq: ArqRedis
) -> None:
    client = make_client(sandbox, arq)
    spec = LiveCodeSpec(
        name="海报",
        channel="海报",
        strategy="native",
        members=[MemberSpec(userid="zhangsan")],
        welcome_text="您好，欢迎",
    )
    code = await service.create_live_code(corp, client, spec)
    scan = await sandbox.control("scan", {"config_id": code.config_id, "name": "王小明"})
    got = await feed(
        corp,
        client,
        arq,
        Event="change_external_contact",
        ChangeType="add_external_contact",
        UserID=scan["userid"],
        ExternalUserID=scan["external_userid"],
        State=scan["state"],
        WelcomeCode=scan["welcome_code"],
    )
    # The add's own job: the live code passed it on to the mirror once the welcome went out,
    # and WeCom was not asked for the profile.
    assert got == "added"
    assert (await LiveCodeAdd.get(external_userid=scan["external_userid"])).welcome == "sent"
    assert [w["data"]["external_userid"] for w in await sandbox.records("welcome")] == [
        scan["external_userid"]
    ]
    assert await calls(sandbox, "externalcontact/get") == 0
    customer = await Customer.get(external_userid=scan["external_userid"])
    assert customer.name == ""
    # The queued follow-up reads the profile.
    await drain(db)
    assert await calls(sandbox, "externalcontact/get") == 1
    customer = await Customer.get(external_userid=scan["external_userid"])
    assert customer.name == "王小明"


async def test_an_edit_reads_back_remark_and_tags(
    db: Settings, sandbox: Sandbox, corp: Corp, arq: ArqRedis
) -> None:
    client = make_client(sandbox, arq)
    ext = (await sandbox.control("friends", {"friends": [{"userid": "lisi", "name": "赵六"}]}))[
        "external_userids"
    ][0]
    await client.remark(
        Remark(userid="lisi", external_userid=ext, remark="赵总", remark_mobiles=["13900000000"])
    )
    result = await feed(
        corp,
        client,
        arq,
        Event="change_external_contact",
        ChangeType="edit_external_contact",
        UserID="lisi",
        ExternalUserID=ext,
    )
    assert result == "edited"
    rel = await FollowRelation.get(staff__userid="lisi", customer__external_userid=ext)
    assert rel.remark == "赵总" and len(rel.mobile_indexes) == 1
    assert (await Customer.get(external_userid=ext)).name == "赵六"


async def test_a_group_update_reads_the_group_back(
    db: Settings, sandbox: Sandbox, corp: Corp, arq: ArqRedis
) -> None:
    client = make_client(sandbox, arq)
    ext = (await sandbox.control("friends", {"friends": [{"userid": "lisi", "name": "钱七"}]}))[
        "external_userids"
    ][0]
    chat = (await sandbox.control("groups", {"owner": "lisi", "name": "新品群"}))["chat_id"]
    await sandbox.control(f"groups/{chat}/join", {"members": [ext]})
    await sandbox.control(f"groups/{chat}/rename", {"name": "新品体验群"})
    await feed(
        corp,
        client,
        arq,
        Event="change_external_chat",
        ChangeType="update",
        ChatId=chat,
        UpdateDetail="add_member",
        JoinScene=3,
        MemChangeCnt=1,
        MemChangeList=ext,
    )
    row = await GroupChat.get(chat_id=chat)
    assert (row.name, row.owner_userid, row.member_count) == ("新品体验群", "lisi", 2)
    member = await GroupMember.get(chat_id=row.id, member_id=ext)
    assert member.name == "钱七" and member.invitor == "lisi" and member.active


async def test_a_tag_event_refreshes_the_library(
    db: Settings, sandbox: Sandbox, corp: Corp, arq: ArqRedis
) -> None:
    client = make_client(sandbox, arq)
    added = await client.add_corp_tag(AddCorpTag(group_name="意向", tag=[NewTag(name="高")]))
    tag_id = added.tag_group.tag[0].id
    await feed(
        corp,
        client,
        arq,
        Event="change_external_tag",
        ChangeType="create",
        Id=tag_id,
        TagType="tag",
    )
    assert (await Tag.get(tag_id=tag_id)).name == "高"
