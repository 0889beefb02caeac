"""Typed WeCom events: pydantic models discriminated by (MsgType, Event, ChangeType)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wecom.xmlparse import XmlError, parse_xml


class EventParseError(ValueError):
    """Not an event at all, or a known event whose fields are invalid."""


class WecomEvent(BaseModel):
    """Fields every callback carries; subclasses add their own. `raw` keeps everything."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    to_user_name: str = Field("", alias="ToUserName")
    from_user_name: str = Field("", alias="FromUserName")
    create_time: int = Field(alias="CreateTime")
    msg_type: str = Field(alias="MsgType")
    event: str | None = Field(None, alias="Event")
    change_type: str | None = Field(None, alias="ChangeType")
    raw: dict[str, Any] = Field(default_factory=dict, exclude=True, repr=False)

    @property
    def kind(self) -> str:
        """E.g. `change_external_contact.add_external_contact`, or `text` for a message."""
        head = self.event or self.msg_type
        return f"{head}.{self.change_type}" if self.change_type else head

    @property
    def created_at(self) -> datetime:
        return datetime.fromtimestamp(self.create_time, tz=UTC)


class _ContactEvent(WecomEvent):
    user_id: str = Field(alias="UserID")
    external_user_id: str = Field(alias="ExternalUserID")


class _AddEvent(_ContactEvent):
    state: str = Field("", alias="State")
    welcome_code: str | None = Field(None, alias="WelcomeCode")


# Siblings, not parent and child: an isinstance filter for one must not match the other.
class AddExternalContact(_AddEvent):
    """A member added a customer (or the customer added the member and it was accepted)."""


class AddHalfExternalContact(_AddEvent):
    """Customer added the member through a 免验证 code; the member has not accepted yet."""


class EditExternalContact(_ContactEvent):
    state: str = Field("", alias="State")


class DelExternalContact(_ContactEvent):
    source: str | None = Field(None, alias="Source")

    @property
    def by_transfer(self) -> bool:
        """Removed automatically by 在职继承 (transfer), not by the member."""
        return self.source == "DELETE_BY_TRANSFER"


class DelFollowUser(_ContactEvent):
    """The customer deleted or blocked the member."""


class TransferFail(_ContactEvent):
    """`user_id` is the takeover member; reason customer_refused / customer_limit_exceed."""

    fail_reason: str = Field("", alias="FailReason")


class StaffDeleted(WecomEvent):
    """change_contact/delete_user: a member left the corp (their customers await 离职继承)."""

    user_id: str = Field(alias="UserID")


class MsgAuditApproved(_ContactEvent):
    welcome_code: str | None = Field(None, alias="WelcomeCode")


class _ChatEvent(WecomEvent):
    chat_id: str = Field(alias="ChatId")


class ExternalChatCreate(_ChatEvent):
    pass


class ExternalChatUpdate(_ChatEvent):
    update_detail: str = Field("", alias="UpdateDetail")
    join_scene: int | None = Field(None, alias="JoinScene")
    quit_scene: int | None = Field(None, alias="QuitScene")
    mem_change_cnt: int | None = Field(None, alias="MemChangeCnt")
    mem_change_list: list[str] = Field(default_factory=list, alias="MemChangeList")
    last_mem_ver: str | None = Field(None, alias="LastMemVer")
    cur_mem_ver: str | None = Field(None, alias="CurMemVer")

    @field_validator("mem_change_list", mode="before")
    @classmethod
    def _as_list(cls, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    @field_validator("join_scene", "quit_scene", "mem_change_cnt", mode="before")
    @classmethod
    def _blank_int(cls, value: Any) -> Any:
        return None if value == "" else value


class ExternalChatDismiss(_ChatEvent):
    pass


class _TagEvent(WecomEvent):
    id: str = Field(alias="Id")
    tag_type: str = Field("tag", alias="TagType")  # "tag" or "tag_group"
    strategy_id: int | None = Field(None, alias="StrategyId")

    @field_validator("strategy_id", mode="before")
    @classmethod
    def _blank_int(cls, value: Any) -> Any:
        return None if value == "" else value


class ExternalTagCreate(_TagEvent):
    pass


class ExternalTagUpdate(_TagEvent):
    pass


class ExternalTagDelete(_TagEvent):
    pass


class ExternalTagShuffle(WecomEvent):
    id: str = Field("", alias="Id")
    strategy_id: int | None = Field(None, alias="StrategyId")

    @field_validator("strategy_id", mode="before")
    @classmethod
    def _blank_int(cls, value: Any) -> Any:
        return None if value == "" else value


class MsgAuditNotify(WecomEvent):
    """New archived chat messages are available to pull (sent at most every 15 s)."""

    agent_id: str = Field("", alias="AgentID")


class Message(WecomEvent):
    msg_id: str | None = Field(None, alias="MsgId")
    agent_id: str = Field("", alias="AgentID")


class TextMessage(Message):
    content: str = Field("", alias="Content")


class UnknownEvent(WecomEvent):
    """Anything we have no model for: stored, logged and kept whole in `raw`."""

    msg_type: str = Field("", alias="MsgType")


_EVENTS: dict[tuple[str, str | None], type[WecomEvent]] = {
    ("change_external_contact", "add_external_contact"): AddExternalContact,
    ("change_external_contact", "add_half_external_contact"): AddHalfExternalContact,
    ("change_external_contact", "edit_external_contact"): EditExternalContact,
    ("change_external_contact", "del_external_contact"): DelExternalContact,
    ("change_external_contact", "del_follow_user"): DelFollowUser,
    ("change_external_contact", "transfer_fail"): TransferFail,
    ("change_external_contact", "msg_audit_approved"): MsgAuditApproved,
    ("change_contact", "delete_user"): StaffDeleted,
    ("change_external_chat", "create"): ExternalChatCreate,
    ("change_external_chat", "update"): ExternalChatUpdate,
    ("change_external_chat", "dismiss"): ExternalChatDismiss,
    ("change_external_tag", "create"): ExternalTagCreate,
    ("change_external_tag", "update"): ExternalTagUpdate,
    ("change_external_tag", "delete"): ExternalTagDelete,
    ("change_external_tag", "shuffle"): ExternalTagShuffle,
    ("msgaudit_notify", None): MsgAuditNotify,
}


def model_for(fields: dict[str, Any]) -> type[WecomEvent]:
    msg_type = fields.get("MsgType")
    if msg_type == "event":
        event = str(fields.get("Event", "")).lower()
        return _EVENTS.get((event, fields.get("ChangeType") or None), UnknownEvent)
    return TextMessage if msg_type == "text" else Message


def parse_event(data: bytes | str | dict[str, Any]) -> WecomEvent:
    """Decrypted callback XML (or its parsed dict) → the matching model; never drops a kind."""
    try:
        fields = data if isinstance(data, dict) else parse_xml(data)
    except XmlError as exc:
        raise EventParseError(str(exc)) from exc
    if not fields.get("MsgType") or "CreateTime" not in fields:
        raise EventParseError("not a WeCom event: MsgType and CreateTime are required")
    model = model_for(fields)
    try:
        return model.model_validate({**fields, "raw": fields})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise EventParseError(f"invalid {model.__name__}: {problems}") from exc


def event_identity(fields: dict[str, Any]) -> tuple[str, ...]:
    """What makes an event itself, for the inbox's idempotency key (design.md).

    Not FromUserName+CreateTime: FromUserName is `sys` for every customer-contact event, so two
    customers adding the same member in one second would collide. The subject ids, the change,
    the welcome code and, for group updates, the member delta and versions tell them apart."""
    names = (
        "ToUserName", "MsgType", "Event", "ChangeType", "UserID", "ExternalUserID", "ChatId",
        "Id", "TagType", "CreateTime", "WelcomeCode", "MsgId", "UpdateDetail", "CurMemVer",
        "FailReason", "Source",
    )  # fmt: skip
    parts = [str(fields.get(n, "")) for n in names]
    members = fields.get("MemChangeList")
    parts.append(",".join(members) if isinstance(members, list) else str(members or ""))
    return tuple(parts)
