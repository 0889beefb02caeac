"""A pre-existing WeCom world in the sandbox, made through its control API and real API calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scrm.infra import keys
from scrm.models import Corp, Customer, FollowRelation, GroupChat, GroupMember, Staff, SyncRun, Tag
from scrm.sync.corp import run_corp_sync
from tests.conftest import CORP_ID
from tests.livecode.conftest import Linked
from tests.wecom.sandbox_fixtures import Sandbox
from wecom.client import WeComClient
from wecom.client.models.contacts import Remark
from wecom.client.models.tags import AddCorpTag, MarkTag, NewTag

MIRROR = (Customer, FollowRelation, GroupChat, GroupMember, Staff, Tag)


@dataclass
class World:
    customers: dict[str, str]  # external_userid -> name
    tag_id: str
    chat_id: str


async def seed_world(sandbox: Sandbox, client: WeComClient, per_member: int = 3) -> World:
    """Each member has `per_member` customers (one shared by zhangsan and lisi), one customer
    carries a remark, phones and a tag, and one group holds a member and two customers."""
    friends: list[dict[str, Any]] = []
    for userid in ("zhangsan", "lisi", "wangwu"):
        for n in range(per_member):
            friends.append({"userid": userid, "name": f"{userid}的客户{n}"})
    made = (await sandbox.control("friends", {"friends": friends}))["external_userids"]
    customers = {ext: f["name"] for ext, f in zip(made, friends, strict=True)}
    shared = made[0]  # zhangsan's first customer is also lisi's friend
    await sandbox.control("friends", {"friends": [{"userid": "lisi", "external_userid": shared}]})
    tag = await client.add_corp_tag(AddCorpTag(group_name="客户等级", tag=[NewTag(name="VIP")]))
    tag_id = tag.tag_group.tag[0].id
    await client.remark(
        Remark(
            userid="zhangsan",
            external_userid=shared,
            remark="老客户",
            description="去年签约",
            remark_mobiles=["+86 138-0013-8000"],
        )
    )
    await client.mark_tag(MarkTag(userid="zhangsan", external_userid=shared, add_tag=[tag_id]))
    group = await sandbox.control(
        "groups",
        {"owner": "zhangsan", "name": "老客户群", "members": ["lisi", made[0], made[1]]},
    )
    return World(customers, tag_id, group["chat_id"])


async def corp_pk() -> int:
    return (await Corp.get(corp_id=CORP_ID)).id


async def rows_written_since(since: datetime) -> int:
    """Mirror rows whose updated_at moved past `since`: a write, whoever made it."""
    total = 0
    for model in MIRROR:
        total += await model.filter(updated_at__gt=since).count()
    return total


async def sync_customers(linked: Linked) -> SyncRun:
    """What WeCom knows of the corp's customers, into the mirror: the production sync."""
    corp = await Corp.get(corp_id=CORP_ID)
    return await run_corp_sync(corp.id, linked.client, linked.bot.app[keys.ARQ], only="customers")
