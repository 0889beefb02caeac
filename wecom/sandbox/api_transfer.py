"""在职/离职继承 as WeCom answers it: customer transfers and their results, the unassigned
list of resigned members' customers, and group hand-overs."""

from __future__ import annotations

from typing import Any

from wecom.sandbox import handover
from wecom.sandbox.control import DELIVERER
from wecom.sandbox.state import Member, now
from wecom.sandbox.wire import Call, api, max_chars, require

# WeCom's exact codes for these group refusals are not in wecom-reference.md: the sandbox's own.
GROUP_OWNER_RESIGNED = 90500  # onjob_transfer of a group whose owner has left
GROUP_OWNER_ACTIVE = 90501  # groupchat/transfer (resigned) of a group whose owner is still here
GROUP_SAME_OWNER = 90502


async def deliver_all(call: Call, events: list[dict[str, Any]]) -> None:
    for fields in events:
        await call.request.app[DELIVERER].deliver(call.corp, fields)


async def _transfer(call: Call, resigned: bool) -> dict[str, Any]:
    handover_id, takeover = call.arg("handover_userid"), call.arg("takeover_userid")
    staff = call.corp.staff
    require(handover_id in staff and takeover in staff, 40003, "invalid userid")
    require(not staff[takeover].resigned, 40003, "takeover user has resigned")
    require(handover_id != takeover, 40058, "handover and takeover are the same member")
    if resigned:
        require(staff[handover_id].resigned, 40097, "handover user is not resigned")
    else:
        require(not staff[handover_id].resigned, 40003, "handover user has resigned")
        max_chars(call.body.get("transfer_success_msg"), 200, "transfer_success_msg")
    ids = call.body.get("external_userid") or []
    require(isinstance(ids, list) and 0 < len(ids) <= 100, 40058, "1..100 external_userid")
    out = []
    for ext in ids:
        code = handover.start(call.world, call.corp, handover_id, takeover, ext, resigned)
        out.append({"external_userid": ext, "errcode": code})
    call.world.record(
        "transfer",
        call.corp.conf.corp_id,
        handover=handover_id,
        takeover=takeover,
        resigned=resigned,
        message=call.body.get("transfer_success_msg") or "",
        customer=out,
    )
    return {"customer": out}


@api("externalcontact/transfer_customer")
async def transfer(call: Call) -> dict[str, Any]:
    return await _transfer(call, resigned=False)


@api("externalcontact/resigned/transfer_customer")
async def resigned_transfer(call: Call) -> dict[str, Any]:
    return await _transfer(call, resigned=True)


def _page(call: Call, rows: list[Any], default: int, limit: int) -> tuple[list[Any], str]:
    """Rows from the cursor (an offset the sandbox hands out), and the next cursor."""
    size = call.body.get("page_size") or call.body.get("limit") or default
    require(isinstance(size, int) and 0 < size <= limit, 40058, f"page size must be 1..{limit}")
    cursor = call.body.get("cursor") or ""
    require(cursor == "" or str(cursor).isdigit(), 40058, "invalid cursor")
    start = int(cursor or 0)
    if not cursor and isinstance(call.body.get("page_id"), int):  # the older paging form
        start = call.body["page_id"] * size
    chunk = rows[start : start + size]
    return chunk, str(start + size) if start + size < len(rows) else ""


async def _transfer_result(call: Call, resigned: bool) -> dict[str, Any]:
    await deliver_all(call, handover.settle(call.world, call.corp))
    handover_id, takeover = call.arg("handover_userid"), call.arg("takeover_userid")
    rows = [
        {
            "external_userid": t["external_userid"],
            "status": t["status"],
            "takeover_time": t["takeover_time"],
        }
        for t in call.corp.transfers
        if t["handover"] == handover_id and t["takeover"] == takeover and t["resigned"] == resigned
    ]
    chunk, cursor = _page(call, rows, 1000, 1000)
    return {"customer": chunk, "next_cursor": cursor}


@api("externalcontact/transfer_result")
async def transfer_result(call: Call) -> dict[str, Any]:
    return await _transfer_result(call, resigned=False)


@api("externalcontact/resigned/transfer_result")
async def resigned_transfer_result(call: Call) -> dict[str, Any]:
    return await _transfer_result(call, resigned=True)


@api("externalcontact/get_unassigned_list")
async def unassigned_list(call: Call) -> dict[str, Any]:
    await deliver_all(call, handover.settle(call.world, call.corp))
    chunk, cursor = _page(call, handover.unassigned(call.corp), 1000, 1000)
    return {"info": chunk, "is_last": not cursor, "next_cursor": cursor}


async def _group_transfer(call: Call, resigned: bool) -> dict[str, Any]:
    chats, new_owner = call.body.get("chat_id_list") or [], call.arg("new_owner")
    require(isinstance(chats, list) and 0 < len(chats) <= 100, 40058, "1..100 chat_id_list")
    member = call.corp.staff.get(new_owner)
    require(member is not None and not member.resigned, 40003, "invalid new_owner")
    failed, events = [], []
    for chat_id in chats:
        group = call.corp.groups.get(chat_id)
        owner = call.corp.staff.get(group.owner) if group else None
        if group is None or group.dismissed:
            code, msg = 86001, "invalid chatid"
        elif group.owner == new_owner:
            code, msg = GROUP_SAME_OWNER, "new_owner already owns the group"
        elif not resigned and owner is not None and owner.resigned:
            code, msg = GROUP_OWNER_RESIGNED, "owner resigned: use groupchat/transfer"
        elif resigned and not (owner is not None and owner.resigned):
            code, msg = GROUP_OWNER_ACTIVE, "owner has not resigned"
        else:
            code, msg = 0, "ok"
        if code:
            failed.append({"chat_id": chat_id, "errcode": code, "errmsg": msg})
            continue
        assert group is not None and member is not None
        group.owner = new_owner
        # groupchat/list's status_filter: an inherited group reads 3 (离职继承完成) from now on.
        group.status = 3 if resigned else group.status
        group.members.setdefault(
            new_owner,
            Member(new_owner, type=1, join_time=int(now()), join_scene=1, invitor=new_owner),
        )
        group.version += 1
        events.append(
            {"Event": "change_external_chat", "ChangeType": "update", "ChatId": chat_id,
             "UpdateDetail": "change_owner"}
        )  # fmt: skip
    call.world.record(
        "group_transfer", call.corp.conf.corp_id, new_owner=new_owner, resigned=resigned,
        chats=chats, failed=failed,
    )  # fmt: skip
    await deliver_all(call, events)
    return {"failed_chat_list": failed}


@api("externalcontact/groupchat/onjob_transfer")
async def group_onjob_transfer(call: Call) -> dict[str, Any]:
    return await _group_transfer(call, resigned=False)


@api("externalcontact/groupchat/transfer")
async def group_resigned_transfer(call: Call) -> dict[str, Any]:
    return await _group_transfer(call, resigned=True)
