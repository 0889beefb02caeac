"""Group live codes (群活码): a join way that rotates over groups as they fill, and attribution."""

from __future__ import annotations

import secrets
from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from livecode.service import LiveCodeError, _explain, local_now
from scrm.enums import GroupCodeStatus
from scrm.infra.schemas import Strict
from scrm.models import Corp, GroupChat
from scrm.models.livecode import GroupLiveCode, GroupLiveCodeJoin
from scrm.services.upsert import get_or_create
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.common import Text
from wecom.client.models.groups import JoinWay, JoinWayUpdate
from wecom.client.models.messages import GroupWelcomeTemplate

MAX_CHATS_PER_WAY = 5  # WeCom's limit for chat_id_list


class GroupLiveCodeSpec(Strict):
    name: str = Field(min_length=1, max_length=64)
    chat_ids: list[str] = Field(min_length=1, max_length=100)
    threshold: int = Field(default=200, ge=2, le=500)
    auto_create: bool = True
    room_base_name: str = Field(default="", max_length=40)
    room_base_id: int = Field(default=1, ge=1)
    welcome_text: str = Field(default="", max_length=1000)
    state: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_\-]{1,30}$")

    @field_validator("chat_ids")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a group appears twice")
        return value


class GroupLiveCodeOut(BaseModel):
    id: int
    name: str
    state: str
    status: str
    chat_ids: list[str]
    current_chat_ids: list[str]
    threshold: int
    qr_url: str
    config_id: str
    last_error: str


async def _open_chats(code: GroupLiveCode) -> list[str]:
    """Groups still below the threshold, in rotation order, at most five."""
    counts: dict[str, int] = dict(
        await GroupChat.filter(corp_id=code.corp_id, chat_id__in=code.chat_ids).values_list(  # type: ignore[attr-defined]
            "chat_id", "member_count"
        )
    )
    open_ = [c for c in code.chat_ids if counts.get(c, 0) < code.threshold]
    return open_[:MAX_CHATS_PER_WAY]


async def create_group_code(
    corp: Corp, client: WeComClient, spec: GroupLiveCodeSpec
) -> GroupLiveCode:
    code = GroupLiveCode(
        corp_id=corp.id,
        name=spec.name,
        state=spec.state or "gc_" + secrets.token_hex(6),
        chat_ids=spec.chat_ids,
        threshold=spec.threshold,
        auto_create=spec.auto_create,
        room_base_name=spec.room_base_name or spec.name[:30],
        room_base_id=spec.room_base_id,
        welcome_text=spec.welcome_text,
    )
    chats = await _open_chats(code) or code.chat_ids[-1:]
    try:
        created = await client.add_join_way(
            JoinWay(
                scene=2,
                chat_id_list=chats,
                state=code.state,
                remark=code.name[:30],
                auto_create_room=1 if code.auto_create else 0,
                room_base_name=code.room_base_name,
                room_base_id=code.room_base_id,
            )
        )
        way = (await client.get_join_way(created.config_id)).join_way
        if code.welcome_text:
            tpl = await client.add_group_welcome_template(
                GroupWelcomeTemplate(text=Text(content=code.welcome_text))
            )
            code.welcome_template_id = tpl.template_id
    except errors.WeComError as exc:
        raise _explain(exc) from exc
    code.config_id, code.qr_url, code.current_chat_ids = created.config_id, way.qr_code, chats
    await code.save()
    return code


async def rotate(code: GroupLiveCode, client: WeComClient) -> GroupLiveCode:
    """Point the join way at the groups that still have room; WeCom only when it changes."""
    chats = await _open_chats(code)
    if not chats:
        # With auto_create WeCom opens "{room_base_name}{n}" once the last group fills.
        code.status = GroupCodeStatus.ACTIVE if code.auto_create else GroupCodeStatus.FULL
        chats = code.chat_ids[-1:]
    else:
        code.status = GroupCodeStatus.ACTIVE if code.status != "paused" else code.status
    if chats != code.current_chat_ids:
        try:
            await client.update_join_way(
                JoinWayUpdate(
                    config_id=code.config_id, scene=2, chat_id_list=chats, state=code.state
                )
            )
            code.current_chat_ids = chats
            code.last_error = ""
        except errors.WeComError as exc:
            code.last_error = str(_explain(exc))
    await code.save()
    return code


async def record_joins(
    corp: Corp, client: WeComClient, chat_id: str, members: list[str], at: datetime
) -> int:
    """Attribute joins to group codes by the `state` WeCom keeps on each joined member."""
    if not members:
        return 0
    detail = (await client.get_group_chat(chat_id)).group_chat
    states = {m.userid: m.state for m in detail.member_list if m.state and m.userid in members}
    recorded = 0
    for state in set(states.values()):
        code = await GroupLiveCode.get_or_none(corp_id=corp.id, state=state, active=True)
        if code is None:
            continue
        if chat_id not in code.chat_ids:  # a group WeCom auto-created for this code
            code.chat_ids = [*code.chat_ids, chat_id]
            await code.save(update_fields=["chat_ids", "updated_at"])
        for member_id in (m for m, s in states.items() if s == state):
            _, created = await get_or_create(
                GroupLiveCodeJoin,
                corp_id=corp.id,
                code_id=code.id,
                chat_id=chat_id,
                member_id=member_id,
                joined_at=at,
                defaults={"day": local_now(corp, at).date()},
            )
            recorded += created
        await rotate(code, client)
    return recorded


__all__ = ["LiveCodeError", "create_group_code", "record_joins", "rotate"]
