"""Sessions in Redis, the CSRF token they carry, and the Actor a logged-in person acts as."""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

import redis.asyncio as aioredis
from aiohttp import web
from aiohttp_session import Session, get_session, new_session, session_middleware
from aiohttp_session.redis_storage import RedisStorage

from admin.api.actor import ROLES, Actor
from scrm.infra import keys
from scrm.infra.cache import TtlCache
from scrm.infra.logging import get_logger
from scrm.models import AdminUser
from scrm.models.base import corp_pk

log = get_logger("admin.web")
COOKIE = "scrm_session"
SESSION_SECONDS = 12 * 3600
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "_csrf"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A disabled user or a changed role takes effect within 5 s in every process.
_users: TtlCache[int, AdminUser | None] = TtlCache(5.0)
# Sessions of a user started before this instant are over (a password reset). Kept in Redis
# beside the sessions, for as long as a session can live; read at most every 5 s per process.
ENDED = "scrm:sessions-ended:{uid}"
_ended: TtlCache[int, float] = TtlCache(5.0)


def sessions(redis_url: str) -> tuple[Any, aioredis.Redis]:
    """The session middleware and the Redis client it keeps sessions in (closed by the app)."""
    client = aioredis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=2.0)
    storage = RedisStorage(
        client,
        cookie_name=COOKIE,
        max_age=SESSION_SECONDS,
        httponly=True,
        # Lax, not Strict: the sidebar arrives from WeCom's OAuth redirect, a cross-site hop.
        samesite="Lax",
        key_factory=lambda: secrets.token_urlsafe(32),
    )
    return session_middleware(storage), client


def csrf_token(session: Session) -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def csrf_ok(session: Session, given: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and given) and hmac.compare_digest(str(expected), str(given))


async def start(request: web.Request, user: AdminUser) -> None:
    """Log `user` in: a fresh session id (no fixation) and a fresh CSRF token."""
    (await get_session(request)).invalidate()
    session = await new_session(request)  # a new id: the pre-login one is never reused
    session["uid"] = user.id
    session["csrf"] = secrets.token_urlsafe(32)
    session["at"] = time.time()  # finer than the session's own whole-second `created`
    _users.forget(user.id)


async def end_sessions(redis: aioredis.Redis, user_id: int) -> None:
    """Every session `user_id` has now ends (their next request goes to the login page)."""
    await redis.set(ENDED.format(uid=user_id), repr(time.time()), ex=SESSION_SECONDS)
    _ended.forget(user_id)
    _users.forget(user_id)


async def staff_session(request: web.Request, corp: int, userid: str) -> None:
    """A sidebar session for a WeCom member who arrived through OAuth (no admin login)."""
    (await get_session(request)).invalidate()
    session = await new_session(request)
    session["staff"] = {"corp": corp, "userid": userid}
    session["csrf"] = secrets.token_urlsafe(32)


def forget_user(user_id: int) -> None:
    """Drop a cached login here at once (a disabled user, a changed role); other processes
    see the change within the cache's 5 s."""
    _users.forget(user_id)


async def session_user(request: web.Request) -> AdminUser | None:
    session = await get_session(request)
    uid = session.get("uid")
    if not isinstance(uid, int):
        return None

    async def load() -> AdminUser | None:
        return await AdminUser.get_or_none(id=uid, active=True)

    async def ended() -> float:
        raw = await request.config_dict[keys.ARQ].get(ENDED.format(uid=uid))
        return float(raw) if raw else 0.0

    user = await _users.get_or_load(uid, load)
    if user is not None and float(session.get("at", 0.0)) < await _ended.get_or_load(uid, ended):
        session.invalidate()
        log.info("session.ended", user=user.username)
        return None
    return user


def least_privileged(logins: list[AdminUser]) -> AdminUser | None:
    def rank(user: AdminUser) -> tuple[int, int]:
        return (ROLES.index(user.role) if user.role in ROLES else 0, user.id)

    return min(logins, key=rank, default=None)


async def session_actor(request: web.Request) -> Actor | None:
    """Who the session belongs to, as the API's Actor; None when nobody is logged in."""
    user = await session_user(request)
    if user is not None:
        return Actor(user.role, user.userid, list(user.team), corp_pk(user), user.username)
    staff = (await get_session(request)).get("staff")
    if isinstance(staff, dict) and staff.get("userid"):
        corp, userid = int(staff["corp"]), str(staff["userid"])
        # A member with an admin login (a manager, say) keeps that login's role and team in
        # the sidebar; WeCom's OAuth has proved they are that member. Several logins bound to
        # one member: the least privileged (then the oldest), never whichever comes first.
        login = least_privileged(await AdminUser.filter(corp_id=corp, userid=userid, active=True))
        if login is not None:
            return Actor(login.role, userid, list(login.team), corp, login.username)
        return Actor("staff", userid, [], corp, userid)
    return None
