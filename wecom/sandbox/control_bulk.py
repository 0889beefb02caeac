"""`/sandbox/friends`, `/world`, `/departments`: what a corp had before the bot was connected."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from wecom.sandbox.api_departments import department_names
from wecom.sandbox.control import BadControl, _body, _corp
from wecom.sandbox.gate import WORLD
from wecom.sandbox.people import added_at, made_up_customer
from wecom.sandbox.seed_world import WorldSpec, seed_world
from wecom.sandbox.state import Relation, new_id, now

routes = web.RouteTableDef()
MAX_FRIENDS = 200_000
MAX_WORLD_CUSTOMERS = 500_000
# name: (type, lowest, highest) of each /sandbox/world field
WORLD_FIELDS: dict[str, tuple[type, float, float]] = {
    "seed": (int, 0, 2**63),
    "members": (int, 0, 1000),
    "customers_per_member": (int, 0, 10_000),
    "shared": (float, 0, 1),
    "remarks": (float, 0, 1),
    "groups": (int, 0, 20_000),
    "group_size": (int, 0, 499),
    "tags": (bool, 0, 1),
}


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
    at = int(now())
    for item in friends:
        userid = item.get("userid", "") if isinstance(item, dict) else ""
        if userid not in corp.staff:
            raise BadControl(f"unknown staff userid {userid!r}")
        ext = item.get("external_userid") or new_id("wm", 14)
        if ext not in corp.customers:
            corp.customers[ext] = made_up_customer(world, ext, item.get("name"))
        corp.relations[(userid, ext)] = Relation(userid, ext, added_at(world.rng, at))
        made.append(ext)
    return web.json_response({"external_userids": made})


def world_spec(body: dict[str, Any]) -> WorldSpec:
    values: dict[str, Any] = {}
    for name, (kind, low, high) in WORLD_FIELDS.items():
        if name not in body:
            continue
        value = body[name]
        ok = isinstance(value, kind) or (kind is float and isinstance(value, int))
        if not ok or isinstance(value, bool) is not (kind is bool) or not low <= value <= high:
            raise BadControl(f"{name} must be a {kind.__name__} in {low:g}..{high:g}")
        values[name] = value
    spec = WorldSpec(**values)
    if max(spec.members, 1) * spec.customers_per_member > MAX_WORLD_CUSTOMERS:
        raise BadControl(f"at most {MAX_WORLD_CUSTOMERS} customers in one call")
    return spec


@routes.post("/sandbox/world")
async def add_world(request: web.Request) -> web.Response:
    """A corp's pre-existing world in one call, without callbacks (docs/sandbox.md)."""
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    spec = world_spec(body)
    if len(corp.staff) * spec.customers_per_member > MAX_WORLD_CUSTOMERS:
        raise BadControl(f"at most {MAX_WORLD_CUSTOMERS} customers in one call")
    started = time.perf_counter()
    made = seed_world(corp, spec, int(now()))
    made["elapsed_ms"] = round((time.perf_counter() - started) * 1000)
    world.record("world", corp.conf.corp_id, **made)
    return web.json_response(made)


@routes.post("/sandbox/departments")
async def name_departments(request: web.Request) -> web.Response:
    """Add or rename departments: {"departments": {"2": "华南销售部", …}}; answers them all."""
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    given = body.get("departments")
    if not isinstance(given, dict) or not 0 < len(given) <= 1000:
        raise BadControl("departments must be an object of 1 to 1000 id: name pairs")
    names = dict(department_names(corp))
    for raw, name in given.items():
        if not str(raw).isdigit() or not 0 < int(raw) < 2**31:
            raise BadControl(f"department id {raw!r} must be a positive integer")
        if not isinstance(name, str) or not 0 < len(name) <= 64:
            raise BadControl("a department name is 1 to 64 characters")
        names[int(raw)] = name
    corp.conf.departments = names
    return web.json_response({str(k): v for k, v in sorted(names.items())})
