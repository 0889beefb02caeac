"""Intercept rules, media uploads, JS-SDK tickets and OAuth getuserinfo (see api_transfer)."""

from __future__ import annotations

import secrets
from typing import Any

from wecom.sandbox import images, oauth
from wecom.sandbox.state import new_id, now
from wecom.sandbox.wire import Call, api, require

MEDIA_LIMITS = {"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20, "file": 20 << 20}


def _validate_rule(call: Call, body: dict[str, Any], creating: bool) -> None:
    name = body.get("rule_name")
    if creating or name is not None:
        require(name and len(name) <= 20, 40058, "rule_name must be 1..20 chars")
    words = body.get("word_list")
    if creating or words is not None:
        require(words and len(words) <= 300, 40058, "word_list must hold 1..300 words")
        require(all(0 < len(w) <= 32 for w in words or []), 40058, "words are 1..32 chars")
    if creating:
        require(body.get("intercept_type") in (1, 2), 40058, "intercept_type must be 1 or 2")
        scope = body.get("applicable_range") or {}
        require(
            scope.get("user_list") or scope.get("department_list"),
            40058,
            "applicable_range must not be empty",
        )
        require(len(call.corp.rules) < 100, 40058, "at most 100 intercept rules per corp")


@api("externalcontact/add_intercept_rule")
async def add_rule(call: Call) -> dict[str, Any]:
    _validate_rule(call, call.body, creating=True)
    rule_id = new_id("", 12)
    call.corp.rules[rule_id] = {**call.body, "rule_id": rule_id, "create_time": int(now())}
    return {"rule_id": rule_id}


@api("externalcontact/get_intercept_rule_list")
async def list_rules(call: Call) -> dict[str, Any]:
    return {
        "rule_list": [
            {"rule_id": r["rule_id"], "rule_name": r["rule_name"], "create_time": r["create_time"]}
            for r in call.corp.rules.values()
        ]
    }


def _rule(call: Call) -> dict[str, Any]:
    rule = call.corp.rules.get(call.arg("rule_id"))
    require(rule, 40058, "invalid rule_id")
    assert rule is not None
    return rule


@api("externalcontact/get_intercept_rule")
async def get_rule(call: Call) -> dict[str, Any]:
    return {"rule": _rule(call)}


@api("externalcontact/update_intercept_rule")
async def update_rule(call: Call) -> dict[str, Any]:
    rule = _rule(call)
    _validate_rule(call, call.body, creating=False)
    for key in ("rule_name", "word_list", "intercept_type"):
        if key in call.body:
            rule[key] = call.body[key]
    return {}


@api("externalcontact/del_intercept_rule")
async def del_rule(call: Call) -> dict[str, Any]:
    _rule(call)
    del call.corp.rules[call.arg("rule_id")]
    return {}


async def _read_media(call: Call, limit: int) -> bytes:
    reader = await call.request.multipart()
    part = await reader.next()
    while part is not None and getattr(part, "name", None) != "media":
        part = await reader.next()
    require(part is not None, 41005, "media data missing")
    data = await part.read()  # type: ignore[union-attr]
    require(len(data) > 5, 40005, "invalid file size: files must be larger than 5 bytes")
    require(len(data) <= limit, 45001, "media size out of limit")
    return bytes(data)


@api("media/upload")
async def upload(call: Call) -> dict[str, Any]:
    kind = call.request.query.get("type", "")
    require(kind in MEDIA_LIMITS, 40004, "invalid media type")
    await _read_media(call, MEDIA_LIMITS[kind])
    media_id = "3" + secrets.token_urlsafe(40)
    call.corp.media[media_id] = now()
    call.world.record("media", call.corp.conf.corp_id, media_id=media_id, type=kind)
    return {"type": kind, "media_id": media_id, "created_at": str(int(now()))}


@api("media/uploadimg")
async def upload_img(call: Call) -> dict[str, Any]:
    data = await _read_media(call, 2 << 20)
    base = call.world.config.public_url or str(call.request.url.origin())
    return {"url": f"{base}/sandbox/img/{call.request.app[images.IMAGES].put(data)}"}


@api("get_jsapi_ticket")
async def jsapi_ticket(call: Call) -> dict[str, Any]:
    ticket = "jsapi_" + secrets.token_urlsafe(24)
    # Recorded so a test can check a JS-SDK signature against the ticket really issued.
    call.world.record("jsapi_ticket", call.corp.conf.corp_id, ticket=ticket)
    return {"ticket": ticket, "expires_in": 7200}


@api("ticket/get")
async def agent_ticket(call: Call) -> dict[str, Any]:
    require(call.request.query.get("type") == "agent_config", 40058, "type must be agent_config")
    ticket = "agent_" + secrets.token_urlsafe(24)
    call.world.record("agent_ticket", call.corp.conf.corp_id, ticket=ticket)
    return {"ticket": ticket, "expires_in": 7200}


@api("auth/getuserinfo")
async def oauth_user(call: Call) -> dict[str, Any]:
    code = call.arg("code", "")
    require(code, 41008, "missing oauth code")
    userid = call.request.app[oauth.CODES].take(call.corp.conf.corp_id, code)
    require(userid, 40029, "invalid code")
    assert userid is not None
    if userid.startswith(oauth.EXTERNAL):  # WeCom: a customer gets openid and external_userid
        ext = userid.removeprefix(oauth.EXTERNAL)
        call.world.record("oauth_user", call.corp.conf.corp_id, external_userid=ext)
        return {"openid": "o" + ext[-20:], "external_userid": ext}
    call.world.record("oauth_user", call.corp.conf.corp_id, userid=userid)
    return {"userid": userid}
