"""The demo corp's data: staff, a tag group and one channel live code, created through WeCom."""

from __future__ import annotations

import aiohttp
from redis.asyncio import Redis

from livecode import service
from livecode.schemas import LiveCodeSpec, MemberSpec
from scrm.infra.settings import Settings
from scrm.models import Corp, Staff
from scrm.models.livecode import LiveCode
from scrm.services.tags import GroupSnapshot, TagSnapshot, upsert_groups
from wecom.client import WeComClient
from wecom.client.models.tags import AddCorpTag, NewTag

DEMO_STAFF = [("zhangsan", "张三"), ("lisi", "李四"), ("wangwu", "王五")]
WELCOME = "您好{客户昵称}，我是{员工姓名}，感谢扫码「{渠道}」！回复 1 领取新人礼包。"


async def seed(
    settings: Settings, http: aiohttp.ClientSession, landing_base: str = ""
) -> LiveCode:
    corp = await Corp.get(corp_id=settings.wecom_corp_id)
    for userid, name in DEMO_STAFF:
        await Staff.update_or_create(corp_id=corp.id, userid=userid, defaults={"name": name})
    redis = Redis.from_url(settings.redis_url)
    try:
        client = WeComClient(
            corp.corp_id, corp.secret, session=http, redis=redis, api_base=corp.api_base
        )
        added = await client.add_corp_tag(
            AddCorpTag(group_name="渠道来源", tag=[NewTag(name="双十一海报"), NewTag(name="新客")])
        )
        group = added.tag_group
        await upsert_groups(
            corp,
            [
                GroupSnapshot(
                    group.group_id,
                    group.group_name,
                    group.order,
                    [TagSnapshot(t.id, t.name, t.order) for t in group.tag],
                )
            ],
        )
        spec = LiveCodeSpec(
            name="双十一海报",
            channel="双十一海报",
            campaign="2026双十一",
            strategy="native",
            members=[MemberSpec(userid=u) for u, _ in DEMO_STAFF[:2]]
            + [MemberSpec(userid=DEMO_STAFF[2][0], backup=True)],
            welcome_text=WELCOME,
            tag_ids=[t.id for t in group.tag],
            remark_template="{渠道}",
        )
        return await service.create_live_code(corp, client, spec, landing_base=landing_base)
    finally:
        await redis.aclose()


async def seed_store_code(settings: Settings, http: aiohttp.ClientSession) -> LiveCode:
    """A landing-page code with quotas and a backup, made through the bot's own API."""
    spec = {
        "name": "门店海报",
        "channel": "门店",
        "strategy": "round_robin",
        "members": [
            {"userid": "zhangsan", "daily_quota": 2},
            {"userid": "lisi", "daily_quota": 1},
            {"userid": "wangwu", "backup": True},
        ],
        "welcome_text": "欢迎到店！我是{员工姓名}，有问题随时找我。",
    }
    headers = {"Authorization": f"Bearer {settings.admin_token.get_secret_value()}"}
    async with http.post(
        f"{settings.public_url}/api/v1/livecodes", json=spec, headers=headers
    ) as r:
        body = await r.json()
        if r.status != 201:
            raise RuntimeError(f"creating the demo's store code failed: {body}")
    return await LiveCode.get(id=body["id"])
