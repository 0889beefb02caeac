"""Customer groups and 「加入群聊」 join ways."""

from __future__ import annotations

from itertools import islice
from typing import Any

from wecom.sandbox.state import CorpState, Member, new_id
from wecom.sandbox.wire import (
    Call,
    api,
    make_cursor,
    max_chars,
    page_limit,
    read_cursor,
    require,
)


@api("externalcontact/groupchat/list")
async def group_list(call: Call) -> dict[str, Any]:
    """Groups in the order they were made, `limit` a page (required, 1..1000)."""
    require(call.body.get("limit") is not None, 40058, "limit is required")
    limit = page_limit(call.body.get("limit"), 0, 1000)
    status = call.body.get("status_filter", 0)
    require(status in (0, 1, 2, 3), 40058, "status_filter must be 0..3")
    owners = (call.body.get("owner_filter") or {}).get("userid_list") or []
    require(isinstance(owners, list) and len(owners) <= 100, 40058, "owner_filter over 100")
    wanted = set(owners)
    (start,) = read_cursor(call.body.get("cursor"), 1)
    out: list[dict[str, Any]] = []
    next_cursor = ""
    for at, group in enumerate(islice(call.corp.groups.values(), start, None), start):
        if group.dismissed or (wanted and group.owner not in wanted):
            continue
        owner = call.corp.staff.get(group.owner)
        # A resigned owner's groups wait for inheritance (1) until transferred.
        current = group.status or (1 if owner is None or owner.resigned else 0)
        if status and current != status:
            continue
        if len(out) == limit:
            next_cursor = make_cursor(at)
            break
        out.append({"chat_id": group.chat_id, "status": current})
    return {"group_chat_list": out, "next_cursor": next_cursor}


def member_json(corp: CorpState, member: Member, need_name: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "userid": member.userid,
        "type": member.type,
        "join_time": member.join_time,
        "join_scene": member.join_scene,
        "group_nickname": member.group_nickname,
    }
    if member.invitor:
        out["invitor"] = {"userid": member.invitor}
    if member.type == 2:
        customer = corp.customers.get(member.userid)
        out["unionid"] = customer.unionid if customer else ""
    if member.state:
        out["state"] = member.state
    if need_name:  # WeCom names members only when asked (need_name=1)
        staff = corp.staff.get(member.userid)
        customer = corp.customers.get(member.userid)
        out["name"] = staff.name if staff else customer.name if customer else ""
    return out


@api("externalcontact/groupchat/get")
async def group_get(call: Call) -> dict[str, Any]:
    group = call.corp.groups.get(call.arg("chat_id"))
    require(group and not group.dismissed, 86001, "invalid chatid")
    assert group is not None
    need_name = str(call.arg("need_name", 0)) == "1"
    return {
        "group_chat": {
            "chat_id": group.chat_id,
            "name": group.name,
            "owner": group.owner,
            "create_time": group.create_time,
            "notice": group.notice,
            "member_version": str(group.version),
            "member_list": [member_json(call.corp, m, need_name) for m in group.members.values()],
            "admin_list": [{"userid": u} for u in group.admins],
        }
    }


def _validate_join(call: Call, body: dict[str, Any], creating: bool) -> None:
    if creating:
        require(body.get("scene") in (1, 2), 40058, "scene must be 1 or 2")
    chats = body.get("chat_id_list")
    if creating or chats is not None:
        require(chats and len(chats) <= 5, 40058, "chat_id_list must hold 1..5 chats")
        for chat_id in chats or []:
            require(chat_id in call.corp.groups, 86001, f"invalid chatid {chat_id}")
    max_chars(body.get("state"), 30, "state")
    max_chars(body.get("room_base_name"), 40, "room_base_name")


@api("externalcontact/groupchat/add_join_way")
async def add_join_way(call: Call) -> dict[str, Any]:
    _validate_join(call, call.body, creating=True)
    config_id = new_id("", 16)
    base = call.world.config.public_url or str(call.request.url.origin())
    call.corp.join_ways[config_id] = {
        **call.body,
        "config_id": config_id,
        "qr_code": f"{base}/sandbox/qr/{config_id}",
    }
    return {"config_id": config_id}


def _join_way(call: Call) -> dict[str, Any]:
    way = call.corp.join_ways.get(call.arg("config_id"))
    require(way, 40058, "invalid config_id")
    assert way is not None
    return way


@api("externalcontact/groupchat/get_join_way")
async def get_join_way(call: Call) -> dict[str, Any]:
    return {"join_way": _join_way(call)}


@api("externalcontact/groupchat/update_join_way")
async def update_join_way(call: Call) -> dict[str, Any]:
    way = _join_way(call)
    _validate_join(call, call.body, creating=False)
    way.update({k: v for k, v in call.body.items() if k != "config_id"})
    return {}


@api("externalcontact/groupchat/del_join_way")
async def del_join_way(call: Call) -> dict[str, Any]:
    _join_way(call)
    del call.corp.join_ways[call.arg("config_id")]
    return {}
