"""`/sandbox/friends`: many existing friendships at once, for benchmarks and big demos."""

from __future__ import annotations

from aiohttp import web

from wecom.sandbox.control import BadControl, _body, _corp
from wecom.sandbox.gate import WORLD
from wecom.sandbox.state import Customer, Relation, new_id, now

routes = web.RouteTableDef()
MAX_FRIENDS = 200_000


@routes.post("/sandbox/friends")
async def add_friends(request: web.Request) -> web.Response:
    """Friendships that existed before the bot was installed: made without callbacks, the way
    a corp's existing customers are there when an SCRM is first connected.

    Body: {"friends": [{"userid": "u1", "external_userid": "wm…" (optional), "name": …}]}."""
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    friends = body.get("friends")
    if not isinstance(friends, list) or not 0 < len(friends) <= MAX_FRIENDS:
        raise BadControl(f"friends must be a list of 1 to {MAX_FRIENDS} objects")
    made: list[str] = []
    created = int(now())
    for item in friends:
        userid = item.get("userid", "") if isinstance(item, dict) else ""
        if userid not in corp.staff:
            raise BadControl(f"unknown staff userid {userid!r}")
        ext = item.get("external_userid") or new_id("wm", 14)
        corp.customers.setdefault(ext, Customer(ext, item.get("name") or f"客户{ext[-4:]}"))
        corp.relations[(userid, ext)] = Relation(userid, ext, created)
        made.append(ext)
    return web.json_response({"external_userids": made})
