"""`/sandbox/...` for hand-overs: a member resigns, a customer refuses, the clock moves on."""

from __future__ import annotations

from aiohttp import web

from wecom.sandbox import handover
from wecom.sandbox.control import DELIVERER, BadControl, _body, _corp
from wecom.sandbox.gate import WORLD

routes = web.RouteTableDef()


@routes.post("/sandbox/staff/{userid}/resign")
async def resign(request: web.Request) -> web.Response:
    """The member leaves the corp: WeCom's contact-change callback (delete_user) follows."""
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    staff = corp.staff.get(request.match_info["userid"])
    if staff is None or staff.resigned:
        raise BadControl("unknown or already resigned userid")
    staff.resigned, staff.dimission_time = True, int(handover.clock(world))
    world.record("resign", corp.conf.corp_id, userid=staff.userid)
    delivery = await request.app[DELIVERER].deliver(
        corp, {"Event": "change_contact", "ChangeType": "delete_user", "UserID": staff.userid}
    )
    return web.json_response({"userid": staff.userid, "delivery": delivery})


@routes.post("/sandbox/transfers/refuse")
async def refuse(request: web.Request) -> web.Response:
    """The customer taps 「暂不添加」 on a waiting hand-over."""
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    entry = handover.waiting(
        corp, str(body.get("external_userid", "")), str(body.get("takeover_userid", ""))
    )
    if entry is None:
        raise BadControl("no waiting hand-over for this customer")
    fields = handover.refuse(corp, entry)
    delivery = await request.app[DELIVERER].deliver(corp, fields)
    return web.json_response({"status": entry["status"], "delivery": delivery})


@routes.post("/sandbox/clock")
async def advance(request: web.Request) -> web.Response:
    """Move the hand-over clock on by `advance` seconds and finish what is due."""
    world, body = request.app[WORLD], await _body(request)
    seconds = body.get("advance", 0)
    if not isinstance(seconds, int | float) or seconds < 0:
        raise BadControl("advance must be a number of seconds ≥ 0")
    world.config = world.config.model_copy(
        update={"clock_skew": world.config.clock_skew + seconds}
    )
    settled = 0
    for corp in world.corps.values():
        events = handover.settle(world, corp)
        settled += len(events)
        for fields in events:
            await request.app[DELIVERER].deliver(corp, fields)
    return web.json_response({"clock": handover.clock(world), "callbacks": settled})


@routes.get("/sandbox/transfers")
async def transfers(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    corp = _corp(world, dict(request.query))
    return web.json_response({"transfers": corp.transfers})
