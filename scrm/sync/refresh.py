"""Single records kept in step by events and the sidebar: one customer, one group, the tags."""

from __future__ import annotations

from datetime import UTC, datetime

from scrm.models import Customer, Staff
from scrm.sync.contacts import write_customers, write_relations
from scrm.sync.context import Counts
from scrm.sync.groups import write_groups
from scrm.sync.mapping import relation_fields
from scrm.sync.tags import sync_tags
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.contacts import FollowUser


async def refresh_customer(
    corp_id: int, client: WeComClient, external_userid: str
) -> Customer | None:
    """externalcontact/get (every page of follow_user) into the customer and its relations.

    None when WeCom does not know the id (40096) — the caller says "not found" then."""
    followers: list[FollowUser] = []
    cursor = ""
    while True:
        try:
            detail = await client.get_external_contact(external_userid, cursor)
        except errors.WeComError as exc:
            if exc.errcode in (errors.INVALID_EXTERNAL_USERID, errors.NOT_A_FRIEND):
                return None
            raise
        followers += detail.follow_user
        cursor = detail.next_cursor
        if not cursor:
            break
    now, counts = datetime.now(UTC), Counts()
    ids = await write_customers(corp_id, [detail.external_contact], counts, now)
    staff = dict(
        await Staff.filter(corp_id=corp_id, userid__in=[f.userid for f in followers]).values_list(
            "userid", "id"
        )
    )
    for f in followers:  # a member added since the last staff sync still gets the relation
        if f.userid not in staff:
            staff[f.userid] = (await Staff.get_or_create(corp_id=corp_id, userid=f.userid))[0].id
    customer_pk = ids[external_userid]
    fresh = {(int(staff[f.userid]), customer_pk): relation_fields(f) for f in followers}
    await write_relations(corp_id, fresh, counts, now)
    return await Customer.get(id=customer_pk)


async def refresh_group(corp_id: int, client: WeComClient, chat_id: str) -> bool:
    """groupchat/get into the group and its members; False when WeCom no longer has it."""
    try:
        detail = (await client.get_group_chat(chat_id, need_name=True)).group_chat
    except errors.WeComError as exc:
        if exc.errcode == errors.INVALID_CHAT_ID:
            return False
        raise
    await write_groups(corp_id, [detail], Counts(), datetime.now(UTC))
    return True


async def refresh_tags(corp_id: int, client: WeComClient) -> Counts:
    counts = Counts()
    await sync_tags(corp_id, client, counts)
    return counts
