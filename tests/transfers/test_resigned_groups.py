"""离职继承 finds a departed member's groups through groupchat/list's status_filter (1 离职待继承),
also groups our mirror has not synced yet, and falls back to owner_filter on 81017."""

from __future__ import annotations

from typing import Any

from scrm.models import GroupChat
from scrm.services import transfer_resigned, transfers
from tests.transfers.conftest import Linked, corp
from wecom import errors
from wecom.client.models.groups import GroupChatListRequest


class LargeCorp:
    """WeCom in a corp of over 1000 members: groupchat/list needs an owner_filter."""

    def __init__(self, real: Any) -> None:
        self.real, self.filters = real, []  # type: ignore[var-annotated]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    async def list_group_chats(self, req: GroupChatListRequest) -> Any:
        self.filters.append(req.owner_filter.userid_list if req.owner_filter else None)
        if req.owner_filter is None:
            raise errors.WeComError(81017, "too many", "externalcontact/groupchat/list")
        return await self.real.list_group_chats(req)


async def _group(linked: Linked, owner: str, name: str) -> str:
    return str((await linked.sandbox.control("groups", {"owner": owner, "name": name}))["chat_id"])


async def test_departed_members_groups_come_from_status_filter(linked: Linked) -> None:
    c = await corp()
    mine = [await _group(linked, "wangwu", "王五一群"), await _group(linked, "wangwu", "王五二群")]
    await _group(linked, "lisi", "李四的群")
    await linked.drain()
    await GroupChat.filter(chat_id=mine[1]).delete()  # not synced into our mirror yet
    assert (await transfer_resigned.listing(c, linked.client))["groups"] == []

    await linked.sandbox.control("staff/wangwu/resign")
    await linked.drain()
    groups = (await transfer_resigned.listing(c, linked.client))["groups"]
    assert sorted(g["chat_id"] for g in groups) == sorted(mine)
    # the unsynced one is named by WeCom
    assert {g["name"] for g in groups} == {"王五一群", "王五二群"}
    assert {g["owner_name"] for g in groups} == {"王五"}

    moved = await transfers.start_groups(
        c, linked.client, chat_ids=[mine[0]], takeover="lisi", resigned=True
    )
    assert moved.started == [mine[0]]
    left = (await transfer_resigned.listing(c, linked.client))["groups"]
    assert [g["chat_id"] for g in left] == [mine[1]]
    done = await linked.client.list_group_chats(GroupChatListRequest(status_filter=3, limit=100))
    assert [g.chat_id for g in done.group_chat_list] == [mine[0]]  # 离职继承完成

    large = LargeCorp(linked.client)
    found = await transfer_resigned.awaiting_groups(large, {"wangwu"})  # type: ignore[arg-type]
    assert found == [mine[1]] and large.filters == [None, ["wangwu"]]
