"""The customers step: every member's customers through batch/get_by_user, page by page."""

from __future__ import annotations

from scrm.enums import RelationStatus
from scrm.models import Staff, SyncCursor
from scrm.sync.contacts import (
    end_relations,
    stored_relations,
    write_customers,
    write_relations,
)
from scrm.sync.context import SyncContext
from scrm.sync.mapping import relation_fields
from wecom import errors
from wecom.client.models.contacts import BatchGetByUser

STEP = "customers"
# WeCom refuses one member, not the app: log, skip the member, go on with the rest.
MEMBER_REFUSALS = frozenset(
    {
        errors.INVALID_USERID,  # 40003
        errors.OUT_OF_RANGE,  # 60011: the member is outside the app's visible range
        60111,  # userid not found
        errors.NOT_A_FRIEND,  # 84061: the member has no external contacts
        errors.NO_CONTACT_PERMISSION,  # 84074: the member lacks customer-contact rights
    }
)


async def sync_customers(ctx: SyncContext) -> None:
    members = (
        await Staff.filter(corp_id=ctx.corp_id, active=True, has_contact_permission=True)
        .order_by("userid")
        .values_list("id", "userid")
    )
    done = set(
        await SyncCursor.filter(corp_id=ctx.corp_id, step=STEP, done=True).values_list(
            "key", flat=True
        )
    )
    for n, (staff_id, userid) in enumerate(members):
        if userid in done:  # a resumed run: this member was finished before the cut
            continue
        await ctx.progress(f"正在同步 {userid} 的客户", n, len(members))
        await sync_member(ctx, int(staff_id), str(userid))


async def sync_member(ctx: SyncContext, staff_id: int, userid: str) -> None:
    """All of one member's customers, resuming at the saved cursor; then the relations WeCom
    no longer lists for this member are ended."""
    saved, _ = await SyncCursor.get_or_create(corp_id=ctx.corp_id, step=STEP, key=userid)
    cursor = await ctx.start_seen(STEP, userid, saved.cursor)
    stored = await stored_relations(ctx.corp_id, staff_ids={staff_id})
    pages = 0
    while True:
        try:
            page = await ctx.client.batch_get_by_user(
                BatchGetByUser(
                    userid_list=[userid], cursor=cursor or None, limit=ctx.customer_page
                )
            )
        except errors.WeComError as exc:
            if exc.errcode not in MEMBER_REFUSALS:
                raise
            ctx.counts.errors.append(f"成员 {userid} 被企业微信拒绝（{exc.errcode}），已跳过")
            saved.cursor, saved.done = "", True
            await saved.save(update_fields=["cursor", "done", "updated_at"])
            await ctx.drop_seen(STEP, userid)
            return
        now = ctx.now()
        items = page.external_contact_list
        ids = await write_customers(
            ctx.corp_id, [i.external_contact for i in items], ctx.counts, now
        )
        fresh = {
            (staff_id, ids[i.external_contact.external_userid]): relation_fields(i.follow_info)
            for i in items
            if i.external_contact.external_userid in ids
        }
        await write_relations(ctx.corp_id, fresh, ctx.counts, now, stored=stored)
        await ctx.add_seen(STEP, userid, [str(c) for _, c in fresh])
        cursor = page.next_cursor
        saved.cursor = cursor  # done only once the ended relations are marked, below
        await saved.save(update_fields=["cursor", "updated_at"])
        pages += 1
        await ctx.page_done(STEP, pages)
        if not cursor:
            break
    seen = {int(v) for v in await ctx.seen(STEP, userid)}
    gone = [
        int(row["id"])
        for (_, customer_id), row in stored.items()
        if row["status"] == RelationStatus.ACTIVE and customer_id not in seen
    ]
    if gone:
        await end_relations(gone, ctx.counts, ctx.now())
    saved.done = True
    await saved.save(update_fields=["done", "updated_at"])
    await ctx.drop_seen(STEP, userid)
