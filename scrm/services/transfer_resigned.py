"""离职继承: the 待分配 list read from WeCom (get_unassigned_list for customers, groupchat/list
with status_filter 1 for groups; both paged, both the source of truth), and assigning those
customers to one member or round robin over a team."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrm.enums import GroupStatus
from scrm.models import Corp, Customer, GroupChat, Handover, Staff, TransferRule
from scrm.services import transfer_rotation, transfers
from scrm.services.churn import display_name
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.groups import GroupChatListRequest, OwnerFilter
from wecom.client.models.transfer import UnassignedRequest

MAX_PAGES = 100  # 100 pages of 1000 customers (or groups)
AWAITING = 1  # groupchat/list status_filter: 离职待继承
TOO_MANY = 81017  # groupchat/list without owner_filter in a corp of over 1000 members


@dataclass
class Waiting:
    handover_userid: str
    external_userid: str
    dimission_time: int


async def unassigned(client: WeComClient) -> list[Waiting]:
    """Every customer WeCom still lists as left behind by a resigned member."""
    rows: list[Waiting] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await client.get_unassigned_list(UnassignedRequest(page_size=1000, cursor=cursor))
        rows += [
            Waiting(i.handover_userid, i.external_userid, i.dimission_time) for i in page.info
        ]
        if page.is_last or not page.next_cursor:
            break
        cursor = page.next_cursor
    return rows


async def _groups_page_through(client: WeComClient, owners: list[str] | None) -> list[str]:
    out: list[str] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await client.list_group_chats(
            GroupChatListRequest(
                status_filter=AWAITING,
                owner_filter=OwnerFilter(userid_list=owners) if owners else None,
                cursor=cursor,
                limit=1000,
            )
        )
        out += [g.chat_id for g in page.group_chat_list]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    return out


async def awaiting_groups(client: WeComClient, gone: set[str]) -> list[str]:
    """Groups whose owner left and that no one inherited yet, as WeCom lists them. A large
    corp must name the owners (81017): then the departed members we know, 100 at a time."""
    try:
        return await _groups_page_through(client, None)
    except errors.WeComError as exc:
        if exc.errcode != TOO_MANY:
            raise
    owners = sorted(gone)
    found: list[str] = []
    for i in range(0, len(owners), 100):
        found += await _groups_page_through(client, owners[i : i + 100])
    return list(dict.fromkeys(found))


async def _unmirrored(client: WeComClient, chat_id: str) -> GroupChat:
    """A group our mirror does not hold yet (synced later): its name and owner from WeCom."""
    try:
        info = (await client.get_group_chat(chat_id, need_name=False)).group_chat
    except errors.WeComError:
        return GroupChat(chat_id=chat_id, name="", owner_userid="")
    return GroupChat(chat_id=chat_id, name=info.name, owner_userid=info.owner)


async def listing(corp: Corp, client: WeComClient) -> dict[str, Any]:
    """The 待分配 page's data: customers with names and who left them, and the orphan groups."""
    rows = await unassigned(client)
    exts = {r.external_userid for r in rows}
    customers = {
        c.external_userid: c
        for c in await Customer.filter(corp_id=corp.id, external_userid__in=exts)
    }
    names = dict(await Staff.filter(corp_id=corp.id).values_list("userid", "name"))
    moving = set(
        await Handover.filter(
            corp_id=corp.id, status__in=transfers.OPEN, external_userid__in=exts
        ).values_list("external_userid", flat=True)
    )
    gone = {str(u) for u in await Staff.filter(corp_id=corp.id, active=False).values_list(
        "userid", flat=True
    )} | {r.handover_userid for r in rows}  # fmt: skip
    chat_ids = await awaiting_groups(client, gone)
    mirrored = {
        g.chat_id: g
        for g in await GroupChat.filter(
            corp_id=corp.id, chat_id__in=chat_ids, status=GroupStatus.ACTIVE
        )
    }
    groups = [mirrored.get(c) or await _unmirrored(client, c) for c in chat_ids]
    return {
        "customers": [
            {
                "handover_userid": r.handover_userid,
                "handover_name": names.get(r.handover_userid) or r.handover_userid,
                "external_userid": r.external_userid,
                "name": display_name(customers.get(r.external_userid), "", r.external_userid),
                "dimission_time": datetime.fromtimestamp(r.dimission_time, tz=UTC)
                if r.dimission_time
                else None,
                "transferring": r.external_userid in moving,
            }
            for r in rows
        ],
        "groups": [
            {
                "chat_id": g.chat_id,
                "name": g.name or g.chat_id,
                "owner_userid": g.owner_userid,
                "owner_name": names.get(g.owner_userid) or g.owner_userid,
            }
            for g in groups
        ],
    }


async def assign(
    corp: Corp,
    client: WeComClient,
    *,
    items: list[tuple[str, str]],
    takeovers: list[str],
    operator: str = "",
    now: datetime | None = None,
    rotation: str = "",
) -> dict[str, Any]:
    """Hand (handover, customer) pairs to one member or, with several, round robin in order,
    continuing the turn where the last assignment to the same team (or rule) stopped."""
    takeovers = list(dict.fromkeys(takeovers))
    if not takeovers:
        raise transfers.TransferRefused("请选择接替成员")
    pairs = list(dict.fromkeys(items))
    key = rotation or transfer_rotation.team_key(takeovers)
    turn = await transfer_rotation.take(corp.id, key, takeovers, len(pairs))
    plan: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (handover, ext), takeover in zip(pairs, turn, strict=True):
        plan[(handover, takeover)].append(ext)
    return await _run(corp, client, plan, [], operator, now)


async def assign_by_rule(
    corp: Corp,
    client: WeComClient,
    *,
    items: list[tuple[str, str]],
    rule: TransferRule,
    operator: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """A saved rule: each departed member's customers to their manager, or in turn over the
    rule's members who are still active."""
    if not rule.to_manager:
        active = set(
            await Staff.filter(
                corp_id=corp.id, userid__in=rule.takeover_userids, active=True
            ).values_list("userid", flat=True)
        )
        members = [u for u in rule.takeover_userids if u in active]
        if not members:
            raise transfers.TransferRefused(f"规则「{rule.name}」中没有在职的接替成员")
        return await assign(
            corp,
            client,
            items=items,
            takeovers=members,
            operator=operator,
            now=now,
            rotation=transfer_rotation.rule_key(rule.id),
        )
    pairs = list(dict.fromkeys(items))
    staff = {
        s.userid: s for s in await Staff.filter(corp_id=corp.id, userid__in={h for h, _ in pairs})
    }
    managers = {s.manager_userid for s in staff.values() if s.manager_userid}
    active = set(
        await Staff.filter(corp_id=corp.id, userid__in=managers, active=True).values_list(
            "userid", flat=True
        )
    )
    plan: dict[tuple[str, str], list[str]] = defaultdict(list)
    blocked: list[dict[str, Any]] = []
    for handover, ext in pairs:
        manager = staff[handover].manager_userid if handover in staff else ""
        if manager and manager in active:
            plan[(handover, manager)].append(ext)
        else:
            blocked.append({"external_userid": ext, "reason": "原成员没有在职的主管"})
    return await _run(corp, client, plan, blocked, operator, now)


async def _run(
    corp: Corp,
    client: WeComClient,
    plan: dict[tuple[str, str], list[str]],
    blocked: list[dict[str, Any]],
    operator: str,
    now: datetime | None,
) -> dict[str, Any]:
    started: list[str] = []
    batches = []
    for (handover, takeover), exts in plan.items():
        outcome = await transfers.start_customers(
            corp,
            client,
            handover=handover,
            takeover=takeover,
            external_userids=exts,
            resigned=True,
            operator=operator,
            now=now,
        )
        started += outcome.started
        blocked += outcome.blocked
        batches.append(outcome.batch)
    return {"batches": batches, "started": started, "blocked": blocked}
