"""Admin accounts: create, check a password with lock-out, change a password."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F, Q

from admin.api.actor import ROLES
from admin.api.passwords import hash_password, verify_password, weak_reason
from scrm.infra.logging import get_logger
from scrm.models import AdminUser, AuditLog

log = get_logger("admin.accounts")
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
# Checked against when the name is unknown, so a miss costs the same time as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password-0")


class AccountError(ValueError):
    """A refused account change, with a message fit to show."""


async def create_user(
    corp_id: int,
    username: str,
    password: str,
    role: str,
    *,
    userid: str = "",
    team: list[str] | None = None,
    display_name: str = "",
) -> AdminUser:
    if role not in ROLES:
        raise AccountError(f"未知角色 {role}（可选 {', '.join(ROLES)}）")
    if role in ("staff", "manager") and not userid:
        raise AccountError("员工和主管账号需要绑定企业微信成员 userid")
    if reason := weak_reason(password):
        raise AccountError(reason)
    if await AdminUser.exists(username=username):
        raise AccountError(f"用户名 {username} 已存在")
    return await AdminUser.create(
        corp_id=corp_id,
        username=username,
        display_name=display_name or username,
        password_hash=await asyncio.to_thread(hash_password, password),
        role=role,
        userid=userid,
        team=team or [],
    )


async def authenticate(username: str, password: str, *, ip: str = "") -> AdminUser | str:
    """The user, or the reason (shown as is) the login is refused. Five wrong passwords in a
    row lock the account for 15 minutes, whatever password comes next."""
    user = await AdminUser.get_or_none(username=username, active=True)
    now = datetime.now(UTC)
    if user is None:
        await asyncio.to_thread(verify_password, password, _DUMMY_HASH)
        log.warning("login.unknown_user", ip=ip)
        return "用户名或密码错误"
    if user.locked_until is not None and user.locked_until > now:
        log.warning("login.locked", user=username, ip=ip)
        return "账号已被锁定，请 15 分钟后再试"
    # scrypt takes ~50 ms of CPU by design: in a thread (it frees the GIL), not on the loop.
    if not await asyncio.to_thread(verify_password, password, user.password_hash):
        locked = await _count_failure(user.id, now)
        await _audit(user, "login_locked" if locked else "login_failed", {"ip": ip})
        log.warning("login.failed", user=username, ip=ip, locked=locked)
        return "账号已被锁定，请 15 分钟后再试" if locked else "用户名或密码错误"
    # The lock is read again after the check: a guess racing this login may have just locked it.
    unlocked = Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    fresh = {"failed_logins": 0, "locked_until": None, "last_login_at": now, "updated_at": now}
    if not await AdminUser.filter(unlocked, id=user.id).update(**fresh):
        log.warning("login.locked", user=username, ip=ip)
        return "账号已被锁定，请 15 分钟后再试"
    user.update_from_dict(fresh)
    await _audit(user, "login", {"ip": ip})
    log.info("login.ok", user=username, ip=ip)
    return user


async def _count_failure(user_id: int, now: datetime) -> bool:
    """One more failure, counted in the database so parallel guesses each count; True when
    this one locks the account (exactly one of several racers takes the lock)."""
    await AdminUser.filter(id=user_id).update(failed_logins=F("failed_logins") + 1)
    count = await AdminUser.filter(id=user_id).values_list("failed_logins", flat=True)
    if not count or int(count[0]) < MAX_FAILURES:  # type: ignore[call-overload]
        return False
    lock = {"failed_logins": 0, "locked_until": now + LOCK_FOR, "updated_at": now}
    return bool(await AdminUser.filter(id=user_id, failed_logins__gte=MAX_FAILURES).update(**lock))


async def set_password(user: AdminUser, password: str) -> None:
    if reason := weak_reason(password):
        raise AccountError(reason)
    user.password_hash = await asyncio.to_thread(hash_password, password)
    await user.save(update_fields=["password_hash", "updated_at"])


async def _audit(user: AdminUser, action: str, data: dict[str, str]) -> None:
    await AuditLog.create(
        corp_id=user.corp_id,  # type: ignore[attr-defined]
        actor=user.username,
        action=action,
        object_type="admin_user",
        object_id=str(user.id),
        data=data,
    )
