"""`/sandbox/groups...`: customer groups are created, joined, left and dismissed."""

from __future__ import annotations

from aiohttp import web

from wecom.sandbox.control import DELIVERER, BadControl, _body, _corp
from wecom.sandbox.gate import WORLD
from wecom.sandbox.people import made_up_customer
from wecom.sandbox.state import CorpState, Group, Member, new_id, now

routes = web.RouteTableDef()


def _member(corp: CorpState, member_id: str, scene: int, invitor: str) -> Member:
    kind = 1 if member_id in corp.staff else 2
    return Member(member_id, kind, int(now()), scene, "" if member_id == invitor else invitor)


def _group(request: web.Request, corp: CorpState) -> Group:
    group = corp.groups.get(request.match_info["chat_id"])
    if group is None or group.dismissed:
        raise BadControl("unknown or dismissed chat_id")
    return group


@routes.post("/sandbox/groups")
async def create_group(request: web.Request) -> web.Response:
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    owner = body.get("owner")
    if owner not in corp.staff:
        raise BadControl("owner must be a staff userid")
    group = Group(new_id("wr", 14), str(body.get("name", "客户群")), owner, int(now()))
    for member_id in [owner, *body.get("members", [])]:
        group.members[member_id] = _member(corp, member_id, 1, owner)
    corp.groups[group.chat_id] = group
    delivery = await request.app[DELIVERER].deliver(
        corp, {"Event": "change_external_chat", "ChangeType": "create", "ChatId": group.chat_id}
    )
    return web.json_response({"chat_id": group.chat_id, "delivery": delivery})


async def _change(request: web.Request, joining: bool) -> web.Response:
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    group = _group(request, corp)
    members = [m for m in body.get("members", []) if isinstance(m, str)]
    if not members:
        raise BadControl("members required")
    last = group.version
    for member_id in members:
        if joining:
            group.members[member_id] = _member(
                corp, member_id, int(body.get("join_scene", 3)), group.owner
            )
        else:
            group.members.pop(member_id, None)
    group.version += 1
    scene_key, scene = (
        ("JoinScene", body.get("join_scene", 3))
        if joining
        else ("QuitScene", body.get("quit_scene", 0))
    )
    delivery = await request.app[DELIVERER].deliver(
        corp,
        {
            "Event": "change_external_chat",
            "ChangeType": "update",
            "ChatId": group.chat_id,
            "UpdateDetail": "add_member" if joining else "del_member",
            scene_key: int(scene),
            "MemChangeCnt": len(members),
            "MemChangeList": members,
            "LastMemVer": str(last),
            "CurMemVer": str(group.version),
        },
    )
    return web.json_response({"chat_id": group.chat_id, "delivery": delivery})


@routes.post("/sandbox/groups/{chat_id}/join")
async def join(request: web.Request) -> web.Response:
    return await _change(request, joining=True)


@routes.post("/sandbox/groups/{chat_id}/quit")
async def quit_group(request: web.Request) -> web.Response:
    return await _change(request, joining=False)


@routes.post("/sandbox/groups/{chat_id}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    group = _group(request, corp)
    group.dismissed = True
    delivery = await request.app[DELIVERER].deliver(
        corp, {"Event": "change_external_chat", "ChangeType": "dismiss", "ChatId": group.chat_id}
    )
    return web.json_response({"chat_id": group.chat_id, "delivery": delivery})


@routes.post("/sandbox/groups/{chat_id}/rename")
async def rename(request: web.Request) -> web.Response:
    """The owner renames the group (and may hand it to another member): WeCom calls back
    `change_external_chat/update` with UpdateDetail change_name (then change_owner), naming
    what changed but not the new value."""
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    group = _group(request, corp)
    name, owner = str(body.get("name") or ""), str(body.get("owner") or "")
    if not name and not owner:
        raise BadControl("give a new name, a new owner, or both")
    if owner and owner not in corp.staff:
        raise BadControl("unknown owner")
    deliveries = []
    for detail, value in (("change_name", name), ("change_owner", owner)):
        if not value:
            continue
        if detail == "change_name":
            group.name = value
        else:
            group.owner = value
        group.version += 1
        event = {
            "Event": "change_external_chat",
            "ChangeType": "update",
            "ChatId": group.chat_id,
            "UpdateDetail": detail,
        }
        deliveries.append(await request.app[DELIVERER].deliver(corp, event))
    return web.json_response({"chat_id": group.chat_id, "deliveries": deliveries})


GROUP_CAPACITY = 500  # WeCom's limit for a customer group


@routes.post("/sandbox/group_scan")
async def group_scan(request: web.Request) -> web.Response:
    """A customer scans a 「加入群聊」 code: the first group with room takes them (WeCom creates
    `room_base_name` + index when all are full and auto_create_room is on)."""
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    way = corp.join_ways.get(body.get("config_id", ""))
    if way is None:
        raise BadControl("unknown join-way config_id")
    chats = [corp.groups[c] for c in way.get("chat_id_list", []) if c in corp.groups]
    group = next((g for g in chats if not g.dismissed and len(g.members) < GROUP_CAPACITY), None)
    created = None
    deliverer = request.app[DELIVERER]
    if group is None:
        if not way.get("auto_create_room", 1) or not chats:
            raise BadControl("every group of this code is full")
        index = way.setdefault("next_room_id", way.get("room_base_id", 1))
        way["next_room_id"] = index + 1
        owner = chats[-1].owner
        group = Group(
            new_id("wr", 14), f"{way.get('room_base_name', '')}{index}", owner, int(now())
        )
        group.members[owner] = _member(corp, owner, 1, owner)
        corp.groups[group.chat_id] = group
        way["chat_id_list"] = [*way["chat_id_list"], group.chat_id]
        created = await deliverer.deliver(
            corp,
            {"Event": "change_external_chat", "ChangeType": "create", "ChatId": group.chat_id},
        )
    ext = body.get("external_userid") or new_id("wm", 14)
    if ext not in corp.customers:
        corp.customers[ext] = made_up_customer(world, ext, body.get("name"))
    member = _member(corp, ext, 3, group.owner)
    member.state = way.get("state", "")
    group.members[ext] = member
    last = group.version
    group.version += 1
    delivery = await deliverer.deliver(
        corp,
        {
            "Event": "change_external_chat",
            "ChangeType": "update",
            "ChatId": group.chat_id,
            "UpdateDetail": "add_member",
            "JoinScene": 3,
            "MemChangeCnt": 1,
            "MemChangeList": [ext],
            "LastMemVer": str(last),
            "CurMemVer": str(group.version),
        },
    )
    world.record(
        "group_scan",
        corp.conf.corp_id,
        chat_id=group.chat_id,
        external_userid=ext,
        state=way.get("state", ""),
        created=created is not None,
    )
    return web.json_response(
        {
            "chat_id": group.chat_id,
            "external_userid": ext,
            "created_group": created is not None,
            "delivery": delivery,
        }
    )
