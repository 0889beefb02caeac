"""Customer groups and 「加入群聊」 join ways."""

from __future__ import annotations

from typing import Any

from wecom.sandbox.state import new_id
from wecom.sandbox.wire import Call, api, max_chars, require


@api("externalcontact/groupchat/list")
async def group_list(call: Call) -> dict[str, Any]:
    limit = call.body.get("limit")
    require(isinstance(limit, int) and 1 <= limit <= 1000, 40058, "limit must be 1..1000")
    owners = (call.body.get("owner_filter") or {}).get("userid_list")
    chats = [g for g in call.corp.groups.values() if not g.dismissed]
    if owners:
        chats = [g for g in chats if g.owner in owners]
    return {
        "group_chat_list": [{"chat_id": g.chat_id, "status": 0} for g in chats][:limit],
        "next_cursor": "",
    }


@api("externalcontact/groupchat/get")
async def group_get(call: Call) -> dict[str, Any]:
    group = call.corp.groups.get(call.arg("chat_id"))
    require(group and not group.dismissed, 86001, "invalid chatid")
    assert group is not None
    return {
        "group_chat": {
            "chat_id": group.chat_id,
            "name": group.name,
            "owner": group.owner,
            "create_time": group.create_time,
            "notice": "",
            "member_version": str(group.version),
            "member_list": list(group.members.values()),
            "admin_list": [],
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
