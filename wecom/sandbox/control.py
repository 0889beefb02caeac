"""`/sandbox/...`: make simulated customers and staff act, tune the rules, read what happened."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from wecom.sandbox.callbacks import Deliverer
from wecom.sandbox.config import SandboxStaff
from wecom.sandbox.gate import WORLD
from wecom.sandbox.people import made_up_customer
from wecom.sandbox.state import CorpState, Relation, WelcomeCode, World, new_id, now

DELIVERER: web.AppKey[Deliverer] = web.AppKey("sandbox_deliverer", Deliverer)
routes = web.RouteTableDef()


class BadControl(web.HTTPBadRequest):
    def __init__(self, error: str) -> None:
        super().__init__(text=json.dumps({"error": error}), content_type="application/json")


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise BadControl("body must be JSON") from exc
    if not isinstance(body, dict):
        raise BadControl("body must be a JSON object")
    return body


def _since(raw: str) -> int:
    if not raw.isdigit():
        raise BadControl("since must be a record or message number")
    return int(raw)


def _corp(world: World, body: dict[str, Any]) -> CorpState:
    corp = world.corp(body.get("corp_id"))
    if corp is None:
        raise BadControl("unknown corp_id (required when the sandbox plays several corps)")
    return corp


@routes.post("/sandbox/scan")
async def scan(request: web.Request) -> web.Response:
    """A customer scans a 「联系我」 code: WeCom picks the member, makes the friend, calls back."""
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    way = corp.contact_ways.get(body.get("config_id", ""))
    if way is None:
        raise BadControl("unknown config_id")
    users = [u for u in way.get("user") or [] if u in corp.staff and not corp.staff[u].resigned]
    if not users:
        raise BadControl("the code has no active member")
    userid = users[way["cursor"] % len(users)]  # multi-member codes take turns
    way["cursor"] += 1
    ext = body.get("external_userid") or new_id("wm", 14)
    if ext not in corp.customers:
        corp.customers[ext] = made_up_customer(
            world, ext, body.get("name"), body.get("unionid", "")
        )
    name = corp.customers[ext].name
    state = way.get("state") or ""
    corp.relations[(userid, ext)] = Relation(userid, ext, int(now()), state=state)
    code = new_id("", 16)
    welcome = WelcomeCode(userid, ext, issued=now(), delivered=now())
    corp.welcome_codes[code] = welcome
    world.record(
        "scan",
        corp.conf.corp_id,
        userid=userid,
        external_userid=ext,
        name=name,
        state=state,
        config_id=way["config_id"],
    )
    delivery = await request.app[DELIVERER].deliver(
        corp,
        {
            "Event": "change_external_contact",
            "ChangeType": "add_external_contact",
            "UserID": userid,
            "ExternalUserID": ext,
            "State": state,
            "WelcomeCode": code,
        },
    )
    return web.json_response(
        {
            "external_userid": ext,
            "userid": userid,
            "name": name,
            "state": state,
            "welcome_code": code,
            "delivery": delivery,
        }
    )


async def _remove(request: web.Request, by_customer: bool) -> web.Response:
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    rel = corp.relation(body.get("userid", ""), body.get("external_userid", ""))
    if rel is None:
        raise BadControl("no such relation")
    rel.active = False
    change = "del_follow_user" if by_customer else "del_external_contact"
    delivery = await request.app[DELIVERER].deliver(
        corp,
        {
            "Event": "change_external_contact",
            "ChangeType": change,
            "UserID": rel.userid,
            "ExternalUserID": rel.external_userid,
        },
    )
    return web.json_response({"delivery": delivery})


@routes.post("/sandbox/customer_deletes_staff")
async def customer_deletes_staff(request: web.Request) -> web.Response:
    return await _remove(request, by_customer=True)


@routes.post("/sandbox/staff_deletes_customer")
async def staff_deletes_customer(request: web.Request) -> web.Response:
    return await _remove(request, by_customer=False)


@routes.post("/sandbox/chat_messages")
async def add_chat_message(request: web.Request) -> web.Response:
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    if not body.get("from") or not (body.get("to") or body.get("chat_id")):
        raise BadControl("from and to (or chat_id) are required")
    msg = {
        "seq": len(world.chat_messages) + 1,
        "corp_id": corp.conf.corp_id,
        "at": now(),
        "from": body["from"],
        "to": body.get("to"),
        "chat_id": body.get("chat_id"),
        "text": str(body.get("text", "")),
    }
    world.chat_messages.append(msg)
    return web.json_response(msg)


@routes.get("/sandbox/chat_messages")
async def list_chat_messages(request: web.Request) -> web.Response:
    since = _since(request.query.get("since", "0"))
    msgs = [m for m in request.app[WORLD].chat_messages if m["seq"] > since]
    return web.json_response({"messages": msgs})


@routes.post("/sandbox/staff")
async def add_staff(request: web.Request) -> web.Response:
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    try:
        staff = SandboxStaff.model_validate({k: v for k, v in body.items() if k != "corp_id"})
    except ValueError as exc:
        raise BadControl(str(exc)) from exc
    corp.staff[staff.userid] = staff
    return web.json_response(staff.model_dump())


@routes.post("/sandbox/settings")
async def settings(request: web.Request) -> web.Response:
    world, body = request.app[WORLD], await _body(request)
    try:
        world.config = world.config.model_copy(update=body)
        type(world.config).model_validate(world.config.model_dump())
    except ValueError as exc:
        raise BadControl(str(exc)) from exc
    return web.json_response(world.config.model_dump(exclude={"corps"}))


@routes.post("/sandbox/expire_tokens")
async def expire_tokens(request: web.Request) -> web.Response:
    return web.json_response({"expired": request.app[WORLD].expire_tokens()})


@routes.post("/sandbox/faults")
async def faults(request: web.Request) -> web.Response:
    """Answer the next `count` calls of `api` with `errcode` (to test error paths)."""
    world, body = request.app[WORLD], await _body(request)
    if not isinstance(body.get("api"), str) or not isinstance(body.get("errcode"), int):
        raise BadControl("api (str) and errcode (int) are required")
    world.faults[body["api"]] = [body["errcode"], int(body.get("count", 1))]
    return web.json_response({"ok": True})


@routes.post("/sandbox/reset")
async def reset(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    world.records.clear()
    world.calls.clear()
    world.faults.clear()
    return web.json_response({"ok": True})


@routes.get("/sandbox/records")
async def records(request: web.Request) -> web.Response:
    world, q = request.app[WORLD], request.query
    since = _since(q.get("since", "0"))
    rows = [
        r.as_json()
        for r in world.records
        if r.seq > since
        and (not q.get("kind") or r.kind == q["kind"])
        and (not q.get("corp_id") or r.corp_id == q["corp_id"])
    ]
    return web.json_response({"records": rows})


@routes.get("/sandbox/stats")
async def stats(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    return web.json_response({"calls": dict(world.calls), "records": len(world.records)})
