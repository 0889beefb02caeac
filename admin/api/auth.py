"""Who is calling: the bootstrap admin token, a person's API token, or a logged-in session."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from aiohttp import web

from admin.api import identity
from admin.api.actor import Actor
from scrm.infra import keys
from scrm.infra.cache import TtlCache
from scrm.infra.logging import get_logger
from scrm.models import ApiToken
from scrm.models.base import corp_pk

log = get_logger("admin.api.auth")
ACTOR: web.RequestKey[Actor] = web.RequestKey("actor", Actor)
# A revoked token keeps working for at most 30 s in a process that has seen it.
_tokens: TtlCache[str, Actor | None] = TtlCache(30.0)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "scrm_" + secrets.token_urlsafe(32)


def _refuse(status: int, message: str) -> web.Response:
    return web.json_response(
        {"error": message}, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False)
    )


async def _actor_for(given: str) -> Actor | None:
    async def load() -> Actor | None:
        row = await ApiToken.get_or_none(token_hash=hash_token(given), active=True)
        return None if row is None else Actor(row.role, row.userid, list(row.team), corp_pk(row))

    return await _tokens.get_or_load(hash_token(given), load)


@web.middleware
async def bearer_auth(request: web.Request, handler: Any) -> web.StreamResponse:
    if not request.path.startswith("/api/v1/"):
        return await handler(request)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not given:
        return await _session_call(request, handler)
    # An empty SCRM_ADMIN_TOKEN means no bootstrap token: people use their own.
    expected = request.config_dict[keys.SETTINGS].admin_token.get_secret_value()
    if expected and hmac.compare_digest(given.encode(), expected.encode()):
        request[ACTOR] = Actor("admin")
        return await handler(request)
    actor = await _actor_for(given)
    if actor is None:
        log.warning("api.unauthorized", path=request.path)
        return _refuse(401, "missing or wrong bearer token")
    request[ACTOR] = actor
    return await handler(request)


async def _session_call(request: web.Request, handler: Any) -> web.StreamResponse:
    """The admin pages call the API with their session cookie. A cookie is sent by the browser
    on its own, so every write must also carry the page's CSRF token in a header."""
    actor = await identity.session_actor(request)
    if actor is None:
        log.warning("api.unauthorized", path=request.path)
        return _refuse(401, "missing or wrong bearer token")
    if request.method in identity.UNSAFE:
        session = await identity.get_session(request)
        if not identity.csrf_ok(session, request.headers.get(identity.CSRF_HEADER)):
            log.warning("api.csrf_refused", path=request.path, user=actor.name)
            return _refuse(403, "missing or wrong CSRF token")
    request[ACTOR] = actor
    return await handler(request)


def actor(request: web.Request) -> Actor:
    return request.get(ACTOR) or Actor("admin")


def who(request: web.Request) -> str:
    """The name audit rows and review actions carry for this request's actor."""
    who = actor(request)
    return who.name or who.userid or "admin"


def require(request: web.Request, role: str) -> None:
    if not actor(request).at_least(role):
        raise web.HTTPForbidden(
            text=json.dumps({"error": f"needs the {role} role"}), content_type="application/json"
        )


def in_scope(request: web.Request, owner: str) -> bool:
    owners = actor(request).owners()
    return owners is None or owner in owners
