"""Who is calling: the bootstrap admin token, or a person's API token with a role and team."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot import keys
from bot.logging import get_logger
from scrm.cache import TtlCache
from scrm.models import ApiToken
from scrm.models.base import corp_pk

log = get_logger("admin.api.auth")
ROLES = ("staff", "manager", "admin")


@dataclass(frozen=True)
class Actor:
    role: str
    userid: str = ""
    team: list[str] = field(default_factory=list)
    corp_pk: int | None = None  # None: the bootstrap admin, any corp

    def owners(self) -> list[str] | None:
        """Whose records this actor sees: None for everyone (admin)."""
        if self.role == "admin":
            return None
        return [self.userid, *self.team] if self.role == "manager" else [self.userid]

    def at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


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
    expected = request.app[keys.SETTINGS].admin_token.get_secret_value()
    if not expected:
        return _refuse(503, "the API is disabled: set SCRM_ADMIN_TOKEN")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if given and hmac.compare_digest(given.encode(), expected.encode()):
        request[ACTOR] = Actor("admin")
        return await handler(request)
    actor = await _actor_for(given) if given else None
    if actor is None:
        log.warning("api.unauthorized", path=request.path)
        return _refuse(401, "missing or wrong bearer token")
    request[ACTOR] = actor
    return await handler(request)


def actor(request: web.Request) -> Actor:
    return request.get(ACTOR) or Actor("admin")


def who(request: web.Request) -> str:
    """The name audit rows and review actions carry for this request's actor."""
    return actor(request).userid or "admin"


def require(request: web.Request, role: str) -> None:
    if not actor(request).at_least(role):
        raise web.HTTPForbidden(
            text=json.dumps({"error": f"needs the {role} role"}), content_type="application/json"
        )


def in_scope(request: web.Request, owner: str) -> bool:
    owners = actor(request).owners()
    return owners is None or owner in owners
