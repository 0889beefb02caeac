"""Editing and deleting group live codes (群活码) with WeCom's join way kept in step."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable

from livecode.group_service import GroupLiveCodeSpec, _open_chats, rotate
from livecode.service import _explain
from scrm.models.livecode import GroupLiveCode
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.common import Text
from wecom.client.models.groups import JoinWayUpdate
from wecom.client.models.messages import GroupWelcomeTemplate, GroupWelcomeTemplateEdit


async def _unless_gone(call: Awaitable[object]) -> None:
    """A WeCom delete where "already gone" (deleted in the console) counts as done."""
    with contextlib.suppress(errors.NotFound, errors.InvalidParameter):
        await call


async def _welcome(code: GroupLiveCode, client: WeComClient) -> None:
    """WeCom's group welcome template follows the code's text: edited, added or dropped."""
    if code.welcome_template_id and code.welcome_text:
        await client.edit_group_welcome_template(
            GroupWelcomeTemplateEdit(
                template_id=code.welcome_template_id, text=Text(content=code.welcome_text)
            )
        )
    elif code.welcome_template_id:
        await _unless_gone(client.del_group_welcome_template(code.welcome_template_id))
        code.welcome_template_id = ""
    elif code.welcome_text:
        tpl = GroupWelcomeTemplate(text=Text(content=code.welcome_text))
        code.welcome_template_id = (await client.add_group_welcome_template(tpl)).template_id


async def update_group_code(
    code: GroupLiveCode, client: WeComClient, spec: GroupLiveCodeSpec
) -> GroupLiveCode:
    """Apply an edit; on a WeCom refusal the row is left as it was (LiveCodeError)."""
    text_changed = spec.welcome_text != code.welcome_text
    before = {f: getattr(code, f) for f in ("name", "chat_ids", "threshold", "auto_create")}
    before |= {f: getattr(code, f) for f in ("room_base_name", "room_base_id", "welcome_text")}
    code.name, code.chat_ids, code.threshold = spec.name, spec.chat_ids, spec.threshold
    code.auto_create, code.room_base_id = spec.auto_create, spec.room_base_id
    code.room_base_name = spec.room_base_name or spec.name[:30]
    code.welcome_text = spec.welcome_text
    chats = await _open_chats(code) or code.chat_ids[-1:]
    try:
        # Always sent: the remark and room naming may change even when the groups do not.
        await client.update_join_way(
            JoinWayUpdate(
                config_id=code.config_id,
                scene=2,
                chat_id_list=chats,
                state=code.state,
                remark=code.name[:30],
                auto_create_room=1 if code.auto_create else 0,
                room_base_name=code.room_base_name,
                room_base_id=code.room_base_id,
            )
        )
        if text_changed:
            await _welcome(code, client)
    except errors.WeComError as exc:
        for name, value in before.items():  # the caller may still hold (and save) this row
            setattr(code, name, value)
        raise _explain(exc) from exc
    code.current_chat_ids, code.last_error = chats, ""
    return await rotate(code, client)  # saves, and sets the status (active or full)


async def delete_group_code(code: GroupLiveCode, client: WeComClient) -> None:
    try:
        if code.config_id:
            await _unless_gone(client.del_join_way(code.config_id))
        if code.welcome_template_id:
            await _unless_gone(client.del_group_welcome_template(code.welcome_template_id))
    except errors.WeComError as exc:
        raise _explain(exc) from exc
    await code.delete()
