"""Customer groups: groupchat/list page by page, groupchat/get each, members diffed in bulk."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from scrm.enums import GroupStatus
from scrm.models import GroupChat, GroupMember, SopPlan, SyncCursor
from scrm.sop import materialize as sop_materialize
from scrm.sync.context import Counts, SyncContext
from scrm.sync.mapping import GROUP_FIELDS, MEMBER_FIELDS, differs, group_fields, member_fields
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.groups import GroupChatInfo, GroupChatListRequest

STEP = "groups"
LIST_KEY = "list"


async def write_groups(
    corp_id: int, chats: Sequence[GroupChatInfo], counts: Counts, now: datetime
) -> None:
    """Make these groups and their member lists what WeCom says; members it no longer lists
    are marked left (active False, left_at now), never deleted."""
    if not chats:
        return
    fresh = {c.chat_id: group_fields(c) for c in chats}
    stored = {
        r["chat_id"]: r
        for r in await GroupChat.filter(corp_id=corp_id, chat_id__in=list(fresh)).values(
            "id", "chat_id", "status", *GROUP_FIELDS
        )
    }
    new = [GroupChat(corp_id=corp_id, chat_id=c, **v) for c, v in fresh.items() if c not in stored]
    changed_ids = [
        c
        for c, v in fresh.items()
        if c in stored
        and (stored[c]["status"] != GroupStatus.ACTIVE or differs(stored[c], v, GROUP_FIELDS))
    ]
    if new:
        await GroupChat.bulk_create(new, ignore_conflicts=True)
        for r in await GroupChat.filter(
            corp_id=corp_id, chat_id__in=[g.chat_id for g in new]
        ).values("id", "chat_id", "status", *GROUP_FIELDS):
            stored[r["chat_id"]] = r
    if changed_ids:
        await GroupChat.bulk_update(
            [
                GroupChat(
                    id=stored[c]["id"],
                    status=GroupStatus.ACTIVE,
                    dismissed_at=None,
                    updated_at=now,
                    **fresh[c],
                )
                for c in changed_ids
            ],
            fields=[*GROUP_FIELDS, "status", "dismissed_at", "updated_at"],
        )
    counts.add("groups", added=len(new), changed=len(changed_ids))
    pk = {c: int(stored[c]["id"]) for c in fresh if c in stored}
    await _write_members(corp_id, chats, pk, counts, now)
    await _refit_sop(corp_id, [g.chat_id for g in new] + changed_ids)


async def _write_members(
    corp_id: int,
    chats: Sequence[GroupChatInfo],
    pk: dict[str, int],
    counts: Counts,
    now: datetime,
) -> None:
    stored: dict[tuple[int, str], dict[str, Any]] = {
        (int(r["chat_id"]), r["member_id"]): r
        for r in await GroupMember.filter(chat_id__in=list(pk.values())).values(
            "id", "chat_id", "member_id", "active", *MEMBER_FIELDS
        )
    }
    new: list[GroupMember] = []
    changed: list[GroupMember] = []
    listed: set[tuple[int, str]] = set()
    for chat in chats:
        chat_pk = pk.get(chat.chat_id)
        if chat_pk is None:
            continue
        for m in chat.member_list:
            key, values = (chat_pk, m.userid), member_fields(m)
            listed.add(key)
            row = stored.get(key)
            if row is None:
                new.append(
                    GroupMember(corp_id=corp_id, chat_id=chat_pk, member_id=m.userid, **values)
                )
            elif not row["active"] or differs(row, values, MEMBER_FIELDS):
                changed.append(
                    GroupMember(
                        id=row["id"],
                        active=True,
                        left_at=None,
                        quit_scene=None,
                        updated_at=now,
                        **values,
                    )
                )
    if new:
        await GroupMember.bulk_create(new, ignore_conflicts=True)
    if changed:
        await GroupMember.bulk_update(
            changed, fields=[*MEMBER_FIELDS, "active", "left_at", "quit_scene", "updated_at"]
        )
    gone = [int(r["id"]) for key, r in stored.items() if r["active"] and key not in listed]
    if gone:
        await GroupMember.filter(id__in=gone).update(active=False, left_at=now, updated_at=now)
    counts.add("members", added=len(new), changed=len(changed), ended=len(gone))


async def _refit_sop(corp_id: int, chat_ids: list[str]) -> None:
    """New, renamed or handed-over groups may now match a group SOP plan's target."""
    if not chat_ids or not await SopPlan.exists(corp_id=corp_id, status="active", kind="group"):
        return
    for chat in await GroupChat.filter(corp_id=corp_id, chat_id__in=chat_ids):
        await sop_materialize.refit_group(corp_id, chat)


async def fetch_groups(
    client: WeComClient, chat_ids: list[str], in_flight: int, counts: Counts
) -> list[GroupChatInfo]:
    """groupchat/get (need_name=1) for each; a group gone meanwhile (86001) is left out."""
    gate = asyncio.Semaphore(in_flight)

    async def one(chat_id: str) -> GroupChatInfo | None:
        async with gate:
            try:
                return (await client.get_group_chat(chat_id, need_name=True)).group_chat
            except errors.WeComError as exc:
                if exc.errcode != errors.INVALID_CHAT_ID:
                    raise
                counts.errors.append(f"群 {chat_id} 已不存在（{exc.errcode}），已跳过")
                return None

    got = await asyncio.gather(*(one(c) for c in chat_ids))
    return [g for g in got if g is not None]


async def sync_groups(ctx: SyncContext) -> None:
    saved, _ = await SyncCursor.get_or_create(corp_id=ctx.corp_id, step=STEP, key=LIST_KEY)
    if saved.done:
        return
    cursor = await ctx.start_seen(STEP, LIST_KEY, saved.cursor)
    pages = 0
    while True:
        page = await ctx.client.list_group_chats(
            GroupChatListRequest(cursor=cursor or None, limit=ctx.group_page)
        )
        ids = [g.chat_id for g in page.group_chat_list]
        await ctx.progress(f"正在同步客户群（第 {pages + 1} 页，{len(ids)} 个）", pages, pages + 1)
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            details = await fetch_groups(ctx.client, chunk, ctx.group_fetches, ctx.counts)
            await write_groups(ctx.corp_id, details, ctx.counts, ctx.now())
        await ctx.add_seen(STEP, LIST_KEY, ids)
        cursor = page.next_cursor
        saved.cursor = cursor
        await saved.save(update_fields=["cursor", "updated_at"])
        pages += 1
        await ctx.page_done(STEP, pages)
        if not cursor:
            break
    await _dismiss_unlisted(ctx, await ctx.seen(STEP, LIST_KEY))
    saved.done = True
    await saved.save(update_fields=["done", "updated_at"])
    await ctx.drop_seen(STEP, LIST_KEY)


async def _dismiss_unlisted(ctx: SyncContext, listed: set[str]) -> None:
    """Active groups WeCom no longer lists are gone there: dismissed now, members left."""
    now = ctx.now()
    rows = await GroupChat.filter(corp_id=ctx.corp_id, status=GroupStatus.ACTIVE).values_list(
        "id", "chat_id"
    )
    gone = [int(pk) for pk, chat_id in rows if chat_id not in listed]
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        await GroupChat.filter(id__in=chunk).update(
            status=GroupStatus.DISMISSED, dismissed_at=now, updated_at=now
        )
        left = await GroupMember.filter(chat_id__in=chunk, active=True).update(
            active=False, left_at=now, updated_at=now
        )
        ctx.counts.add("groups", ended=len(chunk))
        ctx.counts.add("members", ended=left)
