"""Customer groups and 「加入群聊」 group join ways (群活码)."""

from __future__ import annotations

from wecom.client.core import WeComCore
from wecom.client.models import groups as m
from wecom.client.models.common import Request, Response


class _ChatGet(Request):
    chat_id: str
    need_name: int = 1


class _ConfigId(Request):
    config_id: str


class GroupsAPI(WeComCore):
    async def list_group_chats(self, req: m.GroupChatListRequest) -> m.GroupChats:
        return await self.post("externalcontact/groupchat/list", req, m.GroupChats)

    async def get_group_chat(self, chat_id: str, need_name: bool = True) -> m.GroupChatDetail:
        req = _ChatGet(chat_id=chat_id, need_name=int(need_name))
        return await self.post("externalcontact/groupchat/get", req, m.GroupChatDetail)

    async def add_join_way(self, req: m.JoinWay) -> m.JoinWayCreated:
        return await self.post("externalcontact/groupchat/add_join_way", req, m.JoinWayCreated)

    async def get_join_way(self, config_id: str) -> m.JoinWayDetail:
        req = _ConfigId(config_id=config_id)
        return await self.post("externalcontact/groupchat/get_join_way", req, m.JoinWayDetail)

    async def update_join_way(self, req: m.JoinWayUpdate) -> Response:
        return await self.post("externalcontact/groupchat/update_join_way", req, Response)

    async def del_join_way(self, config_id: str) -> Response:
        req = _ConfigId(config_id=config_id)
        return await self.post("externalcontact/groupchat/del_join_way", req, Response)
