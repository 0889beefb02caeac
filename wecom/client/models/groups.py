"""Models of the customer-group and 「加入群聊」 join-way APIs (wecom-reference.md §3.5)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from wecom.client.models.common import Cursor, Part, Request, Response


class OwnerFilter(Request):
    userid_list: list[str] = Field(max_length=100)


class GroupChatListRequest(Request):
    status_filter: Literal[0, 1, 2, 3] = 0
    owner_filter: OwnerFilter | None = None
    cursor: str | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class GroupChatRef(Part):
    chat_id: str
    status: int = 0


class GroupChats(Response, Cursor):
    group_chat_list: list[GroupChatRef] = []


class GroupMemberInfo(Part):
    userid: str
    type: int  # 1 member, 2 external contact
    unionid: str | None = None
    join_time: int = 0
    join_scene: int = 0  # 1 direct invite, 2 invite link, 3 QR code
    invitor: dict[str, str] | None = None
    group_nickname: str = ""
    name: str = ""
    state: str = ""  # set for members who joined through an API-created join way


class GroupChatInfo(Part):
    chat_id: str
    name: str = ""
    owner: str = ""
    create_time: int = 0
    notice: str = ""
    member_list: list[GroupMemberInfo] = []
    admin_list: list[dict[str, str]] = []
    member_version: str | None = None


class GroupChatDetail(Response):
    group_chat: GroupChatInfo


class JoinWay(Request):
    """add_join_way: a 群活码 over at most five chats; `state` comes back on joins."""

    scene: Literal[1, 2]
    remark: str | None = None
    auto_create_room: Literal[0, 1] | None = None
    room_base_name: str | None = Field(default=None, max_length=40)
    room_base_id: int | None = None
    chat_id_list: list[str] = Field(min_length=1, max_length=5)
    state: str | None = Field(default=None, max_length=30)


class JoinWayUpdate(JoinWay):
    config_id: str


class JoinWayCreated(Response):
    config_id: str


class JoinWayInfo(Part):
    config_id: str
    scene: int = 0
    remark: str = ""
    auto_create_room: int = 0
    room_base_name: str = ""
    room_base_id: int = 0
    chat_id_list: list[str] = []
    qr_code: str = ""
    state: str = ""


class JoinWayDetail(Response):
    join_way: JoinWayInfo
