"""Customer-group events (change_external_chat): groups, members, dismissals."""

from __future__ import annotations

from livecode import group_service
from scrm.infra.dispatch import Router
from scrm.models import Corp
from scrm.services import groups
from scrm.sync.refresh import refresh_group
from wecom.client import WeComClient
from wecom.events import ExternalChatCreate, ExternalChatDismiss, ExternalChatUpdate

router = Router(name=__name__)
QR_SCENE = 3  # JoinScene: 1 direct invite, 2 invite link, 3 QR code


@router.event(ExternalChatCreate)
async def on_create(
    event: ExternalChatCreate, corp: Corp, wecom: WeComClient | None = None
) -> str:
    await groups.ensure_group(corp, event.chat_id)
    if wecom is None:  # replaying without a client (tests, tools): the row is enough
        return "created"
    # The event carries only the chat id; name, owner and members come from groupchat/get,
    # and a group that now matches an active SOP plan's target joins it (scrm.sync.groups).
    await refresh_group(corp.id, wecom, event.chat_id)
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
    if wecom is not None:
        # The event names what changed, not the new value (name, owner, notice, members'
        # names and invitors): read the group back; a renamed or handed-over group is then
        # re-fitted to SOP plans whose target it now matches (or no longer matches).
        await refresh_group(corp.id, wecom, event.chat_id)
    elif event.cur_mem_ver:
        chat.member_version = event.cur_mem_ver
        await chat.save(update_fields=["member_version", "updated_at"])
    return str(event.update_detail)


@router.event(ExternalChatDismiss)
async def on_dismiss(event: ExternalChatDismiss, corp: Corp) -> str:
    await groups.dismiss(corp, event.chat_id, at=event.created_at)
    return "dismissed"
