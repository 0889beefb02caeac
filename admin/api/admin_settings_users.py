"""`/api/v1/admin-users`: admin logins — create, role and scope, disable, password, unlock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from admin.api import identity
from admin.api.accounts import AccountError, create_user, set_password
from admin.api.actor import ROLES
from admin.api.auth import actor, require
from admin.api.common import corp_for, error, not_found, ok, parse, path_id
from admin.api.openapi import API
from scrm.infra import keys
from scrm.infra.schemas import Strict
from scrm.models import AdminUser, Corp, Staff

TAG = "settings"
ROLE = "^(" + "|".join(ROLES) + ")$"


class UserIn(Strict):
    model_config = ConfigDict(str_strip_whitespace=True)

    username: str = Field(pattern=r"^[A-Za-z0-9_.@-]{2,64}$")
    password: str = Field(max_length=128)
    role: str = Field(pattern=ROLE)
    display_name: str = Field(default="", max_length=64)
    userid: str = Field(default="", max_length=64)
    team: list[str] = Field(default=[], max_length=500)


class UserUpdate(Strict):
    model_config = ConfigDict(str_strip_whitespace=True)

    role: str | None = Field(default=None, pattern=ROLE)
    display_name: str | None = Field(default=None, max_length=64)
    userid: str | None = Field(default=None, max_length=64)
    team: list[str] | None = Field(default=None, max_length=500)
    active: bool | None = None


class PasswordIn(Strict):
    password: str = Field(max_length=128)


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    userid: str
    team: list[str]
    active: bool
    locked: bool
    locked_until: datetime | None
    failed_logins: int
    last_login_at: datetime | None
    created_at: datetime


def user_out(user: AdminUser) -> dict[str, Any]:
    """Everything but the hash."""
    locked = user.locked_until is not None and user.locked_until > datetime.now(UTC)
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        userid=user.userid,
        team=list(user.team),
        active=user.active,
        locked=locked,
        locked_until=user.locked_until if locked else None,
        failed_logins=user.failed_logins,
        last_login_at=user.last_login_at,
        created_at=user.created_at,
    ).model_dump(mode="json")


async def _unknown_members(corp: Corp, userids: list[str]) -> list[str]:
    """The userids that are not synced members of the corp: a typo would scope to nobody."""
    wanted = {u for u in userids if u}
    known = await Staff.filter(corp_id=corp.id, userid__in=list(wanted)).values_list(
        "userid", flat=True
    )
    return sorted(wanted - set(known))


async def _check_scope(corp: Corp, role: str, userid: str, team: list[str]) -> str | None:
    if role in ("staff", "manager") and not userid:
        return "员工和主管账号需要绑定企业微信成员 userid"
    if team and role != "manager":
        return "只有主管账号可以设置团队成员"
    if missing := await _unknown_members(corp, [userid, *team]):
        return f"不是本企业已同步的成员：{'、'.join(missing)}（先在「成员」页同步）"
    return None


@API.route("GET", "/api/v1/admin-users", "Admin logins", tag=TAG, response=UserOut, many=True)
async def list_users(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    users = await AdminUser.filter(corp_id=corp.id).order_by("-active", "username")
    return ok([user_out(u) for u in users])


async def _user(request: web.Request) -> tuple[Corp, AdminUser]:
    require(request, "admin")
    corp = await corp_for(request)
    user = await AdminUser.get_or_none(id=path_id(request, "admin user"), corp_id=corp.id)
    if user is None:
        raise not_found("admin user")
    return corp, user


@API.route("GET", "/api/v1/admin-users/{id}", "One admin login", tag=TAG, response=UserOut)
async def get_user(request: web.Request) -> web.Response:
    return ok(user_out((await _user(request))[1]))


@API.route(
    "POST",
    "/api/v1/admin-users",
    "Create a login",
    tag=TAG,
    body=UserIn,
    response=UserOut,
    status=201,
)
async def add_user(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, UserIn)
    if problem := await _check_scope(corp, body.role, body.userid, body.team):
        return error(422, problem)
    try:
        user = await create_user(
            corp.id,
            body.username,
            body.password,
            body.role,
            userid=body.userid,
            team=body.team,
            display_name=body.display_name,
        )
    except AccountError as exc:
        status = 409 if "已存在" in str(exc) else 422
        return error(status, str(exc))
    return ok(user_out(user), status=201)


async def _last_admin(corp: Corp, user: AdminUser) -> bool:
    others = AdminUser.filter(corp_id=corp.id, role="admin", active=True).exclude(id=user.id)
    return not await others.exists()


@API.route(
    "PUT",
    "/api/v1/admin-users/{id}",
    "Change role, WeCom binding, team, name, or disable",
    tag=TAG,
    body=UserUpdate,
    response=UserOut,
    also=(409,),
)
async def update_user(request: web.Request) -> web.Response:
    corp, user = await _user(request)
    body = await parse(request, UserUpdate)
    changes = body.model_dump(exclude_none=True)
    role = changes.get("role", user.role)
    userid = changes.get("userid", user.userid)
    team = changes.get("team", list(user.team) if role == "manager" else [])
    if role != "manager":
        team = []
    if problem := await _check_scope(corp, role, userid, team):
        return error(422, problem)
    demoted = role != "admin" or changes.get("active") is False
    if user.role == "admin" and user.active and demoted and await _last_admin(corp, user):
        return error(409, "这是最后一个启用的管理员账号，不能停用或降级")
    if user.username == actor(request).name and (changes.get("active") is False or demoted):
        return error(409, "不能停用或降级自己正在使用的账号")
    await user.update_from_dict({**changes, "userid": userid, "team": team}).save()
    # The session layer caches users for 5 s; this process applies the change at once.
    identity.forget_user(user.id)
    return ok(user_out(user))


@API.route(
    "POST", "/api/v1/admin-users/{id}/password", "Set a new password", tag=TAG, body=PasswordIn
)
async def reset_password(request: web.Request) -> web.Response:
    _, user = await _user(request)
    body = await parse(request, PasswordIn)
    try:
        await set_password(user, body.password)
    except AccountError as exc:
        return error(422, str(exc))
    # A reset is what follows a leaked or guessed password: whoever holds a session is out.
    await identity.end_sessions(request.config_dict[keys.ARQ], user.id)
    return ok(user_out(user))


@API.route("POST", "/api/v1/admin-users/{id}/unlock", "Lift a lock-out", tag=TAG)
async def unlock(request: web.Request) -> web.Response:
    _, user = await _user(request)
    user.failed_logins, user.locked_until = 0, None
    await user.save(update_fields=["failed_logins", "locked_until", "updated_at"])
    return ok(user_out(user))
