"""Customers added through a two-member live code (the real callback path), tagged 意向-高."""

from __future__ import annotations

from typing import Any

from scrm.infra import keys
from scrm.models import Customer, FollowRelation, Tag
from tests.livecode.conftest import Linked

CODE: dict[str, Any] = {
    "name": "门店海报",
    "channel": "门店",
    "strategy": "native",
    "members": [{"userid": "zhangsan"}, {"userid": "lisi"}],
    "welcome_text": "您好",
}
HIGH = "et_high"  # the 意向-高 tag


def clients(linked: Linked) -> Any:
    return linked.bot.app[keys.CLIENTS].for_corp


async def customers(linked: Linked, n: int, tagged: int) -> list[str]:
    """n customers added by scanning (WeCom alternates zhangsan, lisi); the first `tagged`
    carry 意向-高. Returns their external_userids in scan order."""
    code = await linked.api("POST", "/api/v1/livecodes", CODE, 201)
    exts = []
    for i in range(n):
        scan = await linked.sandbox.control(
            "scan", {"config_id": code["config_id"], "name": f"客{i}"}
        )
        exts.append(scan["external_userid"])
    await linked.drain()
    corp_id = (await Customer.get(external_userid=exts[0])).corp_id  # type: ignore[attr-defined]
    await Tag.get_or_create(corp_id=corp_id, tag_id=HIGH, defaults={"name": "意向-高"})
    for ext in exts[:tagged]:
        await FollowRelation.filter(customer__external_userid=ext).update(tag_ids=[HIGH])
    return exts
