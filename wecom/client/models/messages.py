"""Models of welcome, mass-message and app-notification APIs (§2.5, §3.6, §3.9)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from wecom.client.models.common import (
    Attachment,
    Cursor,
    Image,
    Link,
    MediaRef,
    MiniProgram,
    Part,
    Request,
    Response,
    Text,
)


def _utf8_max(value: Text | None, limit: int) -> Text | None:
    # WeCom counts bytes, so 1334 Chinese characters already exceed 4000.
    if value is not None and len(value.content.encode()) > limit:
        raise ValueError(
            f"text is {len(value.content.encode())} UTF-8 bytes; WeCom allows {limit}"
        )
    return value


class WelcomeMessage(Request):
    welcome_code: str
    text: Text | None = None
    attachments: list[Attachment] = Field(default=[], max_length=9)

    @field_validator("text")
    @classmethod
    def _text_limit(cls, value: Text | None) -> Text | None:
        return _utf8_max(value, 4000)


class GroupWelcomeTemplate(Request):
    text: Text | None = None
    image: Image | None = None
    link: Link | None = None
    miniprogram: MiniProgram | None = None
    file: MediaRef | None = None
    video: MediaRef | None = None
    agentid: int | None = None
    notify: Literal[0, 1] | None = None


class GroupWelcomeTemplateEdit(GroupWelcomeTemplate):
    template_id: str


class TemplateCreated(Response):
    template_id: str


class GroupWelcomeTemplateDetail(Response):
    text: Text | None = None
    image: Image | None = None
    link: Link | None = None
    miniprogram: MiniProgram | None = None
    file: MediaRef | None = None
    video: MediaRef | None = None


class TagGroupFilter(Request):
    tag_list: list[str]


class TagFilterGroups(Request):
    group_list: list[TagGroupFilter]


class MsgTemplate(Request):
    """add_msg_template: a mass-message task each sender must confirm in the WeCom client."""

    chat_type: Literal["single", "group"] = "single"
    external_userid: list[str] | None = Field(default=None, max_length=10000)
    chat_id_list: list[str] | None = Field(default=None, max_length=2000)
    tag_filter: TagFilterGroups | None = None
    sender: str | None = None
    allow_select: bool | None = None
    text: Text | None = None
    attachments: list[Attachment] = Field(default=[], max_length=9)

    @field_validator("text")
    @classmethod
    def _text_limit(cls, value: Text | None) -> Text | None:
        return _utf8_max(value, 4000)


class MsgTemplateCreated(Response):
    fail_list: list[str] = []
    msgid: str


class GroupMsgListRequest(Request):
    chat_type: Literal["single", "group"]
    start_time: int
    end_time: int
    creator: str | None = None
    filter_type: Literal[0, 1, 2] | None = None
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=100)


class GroupMsg(Part):
    msgid: str
    creator: str = ""
    create_time: int = 0
    create_type: int = 0
    text: Text | None = None


class GroupMsgs(Response, Cursor):
    group_msg_list: list[GroupMsg] = []


class GroupMsgTaskRequest(Request):
    msgid: str
    limit: int = Field(default=500, ge=1, le=1000)
    cursor: str | None = None


class GroupMsgTask(Part):
    userid: str
    status: int  # 0 not sent, 2 sent
    send_time: int | None = None


class GroupMsgTasks(Response, Cursor):
    task_list: list[GroupMsgTask] = []


class GroupMsgResultRequest(Request):
    msgid: str
    userid: str
    limit: int = Field(default=500, ge=1, le=1000)
    cursor: str | None = None


class SendResult(Part):
    external_userid: str | None = None
    chat_id: str | None = None
    userid: str
    status: int  # 0 unsent, 1 sent, 2 not a friend, 3 received another mass message
    send_time: int | None = None


class GroupMsgResults(Response, Cursor):
    send_list: list[SendResult] = []


class AppMessage(Request):
    """message/send: a notification to staff from the self-built app."""

    touser: str | None = None  # "a|b|c", ≤ 1000
    toparty: str | None = None
    totag: str | None = None
    msgtype: Literal["text", "textcard", "markdown"] = "text"
    agentid: int
    text: Text | None = None
    textcard: dict[str, str] | None = None
    markdown: Text | None = None
    safe: Literal[0, 1] | None = None
    enable_duplicate_check: Literal[0, 1] | None = None
    duplicate_check_interval: int | None = None

    @field_validator("text")
    @classmethod
    def _text_limit(cls, value: Text | None) -> Text | None:
        return _utf8_max(value, 2048)


class AppMessageSent(Response):
    invaliduser: str = ""
    invalidparty: str = ""
    invalidtag: str = ""
    msgid: str = ""
