"""Customer-group events (change_external_chat): groups, members, dismissals."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.dispatch import Router
from livecode import group_service
from scrm.models import Corp
from scrm.services import groups
from scrm.sop import materialize as sop_materialize
from wecom.client import WeComClient
from wecom.events import ExternalChatCreate, ExternalChatDismiss, ExternalChatUpdate

router = Router(name=__name__)
QR_SCENE = 3  # JoinScene: 1 direct invite, 2 invite link, 3 QR code


@router.event(ExternalChatCreate)
async def on_create(
    event: ExternalChatCreate, corp: Corp, wecom: WeComClient | None = None
) -> str:
    chat = await groups.ensure_group(corp, event.chat_id)
    if wecom is None:  # replaying without a client (tests, tools): the row is enough
        return "created"
    # The event carries only the chat id; name, owner and members come from groupchat/get.
    detail = (await wecom.get_group_chat(event.chat_id)).group_chat
    chat.name, chat.owner_userid, chat.notice = detail.name, detail.owner, detail.notice
    await chat.save(update_fields=["name", "owner_userid", "notice", "updated_at"])
    await groups.replace_members(
        chat,
        [
            (
                m.userid,
                m.join_scene,
                datetime.fromtimestamp(m.join_time, UTC) if m.join_time else None,
            )
            for m in detail.member_list
        ],
    )
    # A new group that matches an active SOP plan's target joins it now.
    await sop_materialize.for_new_group(corp.id, chat)
    return "created"


@router.event(ExternalChatUpdate)
async def on_update(
    event: ExternalChatUpdate, corp: Corp, wecom: WeComClient | None = None
) -> str:
    chat = await groups.ensure_group(corp, event.chat_id)
    if event.update_detail == "add_member":
        await groups.members_joined(
            chat, event.mem_change_list, at=event.created_at, join_scene=event.join_scene
        )
        if wecom is not None and event.join_scene == QR_SCENE:
            # Joins by QR may come from a group live code: attribute them, rotate if full.
            await group_service.record_joins(
                corp, wecom, event.chat_id, event.mem_change_list, event.created_at
            )
    elif event.update_detail == "del_member":
        await groups.members_left(
            chat, event.mem_change_list, at=event.created_at, quit_scene=event.quit_scene
        )
    elif event.update_detail in ("change_name", "change_owner") and wecom is not None:
        # The event names what changed, not the new value: read it, then SOP plans whose
        # target the group now matches (or no longer matches) follow.
        detail = (await wecom.get_group_chat(event.chat_id)).group_chat
        chat.name, chat.owner_userid = detail.name, detail.owner
        await chat.save(update_fields=["name", "owner_userid", "updated_at"])
        await sop_materialize.refit_group(corp.id, chat)
    if event.cur_mem_ver:
        chat.member_version = event.cur_mem_ver
        await chat.save(update_fields=["member_version", "updated_at"])
    return str(event.update_detail)


@router.event(ExternalChatDismiss)
async def on_dismiss(event: ExternalChatDismiss, corp: Corp) -> str:
    await groups.dismiss(corp, event.chat_id, at=event.created_at)
    return "dismissed"
