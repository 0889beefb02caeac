"""Customer-group events (change_external_chat): groups, members, dismissals."""

from __future__ import annotations

from bot.dispatch import Router
from scrm.models import Corp
from scrm.services import groups
from wecom.events import ExternalChatCreate, ExternalChatDismiss, ExternalChatUpdate

router = Router(name=__name__)


@router.event(ExternalChatCreate)
async def on_create(event: ExternalChatCreate, corp: Corp) -> str:
    await groups.ensure_group(corp, event.chat_id)
    return "created"


@router.event(ExternalChatUpdate)
async def on_update(event: ExternalChatUpdate, corp: Corp) -> str:
    chat = await groups.ensure_group(corp, event.chat_id)
    if event.update_detail == "add_member":
        await groups.members_joined(
            chat, event.mem_change_list, at=event.created_at, join_scene=event.join_scene
        )
    elif event.update_detail == "del_member":
        await groups.members_left(
            chat, event.mem_change_list, at=event.created_at, quit_scene=event.quit_scene
        )
    if event.cur_mem_ver:
        chat.member_version = event.cur_mem_ver
        await chat.save(update_fields=["member_version", "updated_at"])
    return str(event.update_detail)


@router.event(ExternalChatDismiss)
async def on_dismiss(event: ExternalChatDismiss, corp: Corp) -> str:
    await groups.dismiss(corp, event.chat_id, at=event.created_at)
    return "dismissed"
