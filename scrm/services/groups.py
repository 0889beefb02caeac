"""Customer groups and their member lists, kept in step with change_external_chat."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from scrm.enums import GroupStatus, MemberType
from scrm.models import Corp, GroupChat, GroupMember
from scrm.services.upsert import get_or_create


def member_type(member_id: str) -> MemberType:
    # External userids start with "wm"/"wo"; staff userids are free-form corp ids.
    return MemberType.EXTERNAL if member_id.startswith(("wm", "wo")) else MemberType.STAFF


async def ensure_group(corp: Corp, chat_id: str) -> GroupChat:
    chat, _ = await get_or_create(GroupChat, corp_id=corp.id, chat_id=chat_id)
    return chat


async def members_joined(
    chat: GroupChat, member_ids: Iterable[str], *, at: datetime, join_scene: int | None
) -> None:
    for member_id in member_ids:
        member, created = await get_or_create(
            GroupMember,
            corp_id=chat.corp_id,  # type: ignore[attr-defined]
            chat_id=chat.id,
            member_id=member_id,
            defaults={"type": member_type(member_id), "join_scene": join_scene, "joined_at": at},
        )
        if not created and not member.active:
            member.active, member.left_at, member.quit_scene = True, None, None
            member.joined_at, member.join_scene = at, join_scene
            await member.save()
    await recount(chat)


async def members_left(
    chat: GroupChat, member_ids: Iterable[str], *, at: datetime, quit_scene: int | None
) -> None:
    await GroupMember.filter(chat_id=chat.id, member_id__in=list(member_ids)).update(
        active=False, left_at=at, quit_scene=quit_scene
    )
    await recount(chat)


async def recount(chat: GroupChat) -> None:
    chat.member_count = await GroupMember.filter(chat_id=chat.id, active=True).count()
    await chat.save(update_fields=["member_count", "updated_at"])


async def dismiss(corp: Corp, chat_id: str, *, at: datetime) -> GroupChat:
    chat = await ensure_group(corp, chat_id)
    chat.status, chat.dismissed_at = GroupStatus.DISMISSED, at
    await chat.save(update_fields=["status", "dismissed_at", "updated_at"])
    await GroupMember.filter(chat_id=chat.id, active=True).update(active=False, left_at=at)
    return chat


async def replace_members(
    chat: GroupChat, members: list[tuple[str, int | None, datetime | None]]
) -> None:
    """Make the member list exactly `members` (id, join_scene, joined_at) from a full sync."""
    present = {m[0] for m in members}
    await (
        GroupMember.filter(chat_id=chat.id, active=True)
        .exclude(member_id__in=present)
        .update(active=False)
    )
    for member_id, scene, joined in members:
        await GroupMember.update_or_create(
            corp_id=chat.corp_id,  # type: ignore[attr-defined]
            chat_id=chat.id,
            member_id=member_id,
            defaults={
                "type": member_type(member_id),
                "join_scene": scene,
                "joined_at": joined,
                "active": True,
                "left_at": None,
            },
        )
    await recount(chat)
