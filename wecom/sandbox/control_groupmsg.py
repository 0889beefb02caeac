"""`/sandbox/mass/...`: a member confirms (sends) or ignores a 群发 task, so tests drive it."""

from __future__ import annotations

from aiohttp import web

from wecom.sandbox.api_groupmsg import deliver
from wecom.sandbox.control import BadControl, _body, _corp
from wecom.sandbox.gate import WORLD

routes = web.RouteTableDef()


@routes.post("/sandbox/mass/{msgid}/confirm")
async def confirm_mass(request: web.Request) -> web.Response:
    """Body: {"userid": …, "external_userids": [...] (optional: the member's selection)}."""
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    msg = corp.mass.get(request.match_info["msgid"])
    task = (msg or {}).get("tasks", {}).get(body.get("userid"))
    if msg is None or task is None or msg["cancelled"] or task["status"] != 0:
        raise BadControl("no open task for this msgid and userid")
    only = body.get("external_userids")
    if only is not None and not isinstance(only, list):
        raise BadControl("external_userids must be a list")
    tally = deliver(corp, world.config.monthly_receive_cap, msg, body["userid"], only)
    sent = [t for t, s in task["results"].items() if s == 1]
    world.record(
        "mass_sent",
        corp.conf.corp_id,
        msgid=msg["msgid"],
        userid=body["userid"],
        to=sent,
        results=dict(task["results"]),
    )
    return web.json_response({"sent_to": sent, **tally})


@routes.post("/sandbox/mass/{msgid}/ignore")
async def ignore_mass(request: web.Request) -> web.Response:
    """The member dismisses the task: it stays 未发送 forever (WeCom reports nothing else)."""
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    msg = corp.mass.get(request.match_info["msgid"])
    task = (msg or {}).get("tasks", {}).get(body.get("userid"))
    if msg is None or task is None or task["status"] != 0:
        raise BadControl("no open task for this msgid and userid")
    task["ignored"] = True
    world.record("mass_ignored", corp.conf.corp_id, msgid=msg["msgid"], userid=body["userid"])
    return web.json_response({"ignored": True})
