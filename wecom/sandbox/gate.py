"""`/cgi-bin/{api}`: token, rate, IP and fault rules in WeCom's order, then the handler."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from wecom.sandbox.state import World, now
from wecom.sandbox.wire import ROUTES, ApiError, Call, answer

WORLD: web.AppKey[World] = web.AppKey("sandbox_world", World)


async def gettoken(world: World, request: web.Request) -> web.Response:
    corp = world.corps.get(request.query.get("corpid", ""))
    if corp is None:
        return answer(40013, "invalid corpid")
    if request.query.get("corpsecret") != corp.conf.secret:
        return answer(40001, "invalid credential")
    token = world.issue_token(corp.conf.corp_id)
    world.record("gettoken", corp.conf.corp_id)
    return answer(access_token=token, expires_in=int(world.config.token_lifetime))


def _fault(world: World, api: str) -> int | None:
    fault = world.faults.get(api)
    if not fault or fault[1] <= 0:
        return None
    fault[1] -= 1
    return fault[0]


async def cgi(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    api = request.match_info["api"]
    world.calls[api] += 1
    if world.config.api_latency_ms > 0:  # the way to WeCom and back, before any answer
        await asyncio.sleep(world.config.api_latency_ms / 1000)
    if api == "gettoken":
        return await gettoken(world, request)
    handler = ROUTES.get(api)
    if handler is None:
        return answer(48001, f"api forbidden: {api} is not served by the sandbox")
    token = request.query.get("access_token")
    if not token:
        return answer(41001, "access_token missing")
    issued = world.tokens.get(token)
    if issued is None:
        return answer(40014, "invalid access_token")
    corp_id, expires_at = issued
    if now() >= expires_at:
        return answer(42001, "access_token expired")
    if world.config.refuse_ip:
        return answer(60020, "not allow to access from your ip")
    if world.over_rate(corp_id, api):
        return answer(45009, "api freq out of limit")
    injected = _fault(world, api)
    if injected is not None:
        return answer(injected, "injected by /sandbox/faults")
    body: dict[str, Any] = {}
    if request.method == "POST" and request.content_type != "multipart/form-data":
        raw = await request.read()
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                return answer(47001, "data format error, hint: Warning: wrong json format.")
            if not isinstance(parsed, dict):
                return answer(47001, "data format error, hint: Warning: wrong json format.")
            body = parsed
    try:
        data = await handler(Call(world, world.corps[corp_id], body, request))
    except ApiError as err:
        return answer(err.errcode, err.errmsg)
    return answer(**data)
