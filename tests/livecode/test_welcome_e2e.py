"""End to end: a customer scans in the sandbox → bot edge → inbox → job → welcome at WeCom."""

from __future__ import annotations

import time
from typing import Any

from livecode import service
from livecode.schemas import LiveCodeSpec, MemberSpec
from livecode.welcome_flow import send_welcome
from scrm.enums import RelationStatus
from scrm.infra import keys
from scrm.models import Corp, FollowRelation
from scrm.models.livecode import LiveCode
from tests.conftest import CORP_ID
from tests.livecode.conftest import Linked
from wecom.client import WeComClient


async def live_code(client: WeComClient, users: list[str], **extra: Any) -> LiveCode:
    corp = await Corp.get(corp_id=CORP_ID)
    spec = LiveCodeSpec(
        name="地铁海报",
        channel="地铁海报",
        strategy="native",
        members=[MemberSpec(userid=u) for u in users],
        welcome_text="{客户昵称}您好，我是{员工姓名}，欢迎来自「{渠道}」",
        **extra,
    )
    return await service.create_live_code(corp, client, spec)


async def test_scan_to_welcome_end_to_end(linked: Linked) -> None:
    bot, sandbox, client = linked.bot, linked.sandbox, linked.client
    from wecom.client.models.tags import AddCorpTag, NewTag

    tags = await client.add_corp_tag(AddCorpTag(group_name="渠道", tag=[NewTag(name="地铁")]))
    code = await live_code(client, ["zhangsan", "lisi"])
    code.tag_ids = [tags.tag_group.tag[0].id]
    await code.save()

    scans = [
        await sandbox.control("scan", {"config_id": code.config_id, "name": name})
        for name in ("王小明", "李华")
    ]
    assert [s["delivery"]["status"] for s in scans] == [200, 200]
    assert [s["userid"] for s in scans] == ["zhangsan", "lisi"]  # multi-member code takes turns
    await bot.app[keys.ENQUEUER].stop()
    await linked.drain()

    welcomes = {r["data"]["external_userid"]: r["data"] for r in await sandbox.records("welcome")}
    assert (
        welcomes[scans[0]["external_userid"]]["text"]
        == "王小明您好，我是张三，欢迎来自「地铁海报」"
    )
    assert welcomes[scans[1]["external_userid"]]["text"].startswith("李华您好，我是李四")
    assert all(w["latency_ms"] < 20_000 for w in welcomes.values())
    marked = await sandbox.records("mark_tag")
    assert sorted(r["data"]["external_userid"] for r in marked) == sorted(welcomes)
    relation = await FollowRelation.get(
        customer__external_userid=scans[0]["external_userid"]
    ).prefetch_related("staff")
    assert relation.staff.userid == "zhangsan" and relation.status == RelationStatus.ACTIVE
    assert relation.state == code.state and relation.tag_ids == code.tag_ids

    # The job run again (a replay) must not welcome twice: WeCom's code is single-use.
    await linked.drain()
    assert len(await sandbox.records("welcome")) == 2


async def test_welcome_is_skipped_when_the_window_has_passed(linked: Linked) -> None:
    sandbox, client = linked.sandbox, linked.client
    code = await live_code(client, ["wangwu"])
    scan = await sandbox.control("scan", {"config_id": code.config_id})
    corp = await Corp.get(corp_id=CORP_ID)
    outcome = await send_welcome(
        client,
        code,
        corp=corp,
        userid="wangwu",
        external_userid=scan["external_userid"],
        welcome_code=scan["welcome_code"],
        event_time=time.time() - 19,
        local=service.local_now(corp),
    )
    assert outcome.outcome == "expired"
    assert await sandbox.records("welcome") == []


async def test_spent_welcome_code_is_final_not_an_error(linked: Linked) -> None:
    sandbox, client = linked.sandbox, linked.client
    code = await live_code(client, ["wangwu"])
    scan = await sandbox.control("scan", {"config_id": code.config_id, "name": "周杰"})
    corp = await Corp.get(corp_id=CORP_ID)
    args = {
        "corp": corp,
        "userid": "wangwu",
        "external_userid": scan["external_userid"],
        "welcome_code": scan["welcome_code"],
        "event_time": time.time(),
        "local": service.local_now(corp),
    }
    first = await send_welcome(client, code, **args)  # type: ignore[arg-type]
    second = await send_welcome(client, code, **args)  # type: ignore[arg-type]
    assert (first.outcome, second.outcome) == ("sent", "spent")
    assert len(await sandbox.records("welcome")) == 1
