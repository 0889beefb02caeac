"""Eligibility sync: keep WeCom's contact ways equal to who may receive customers now."""

from __future__ import annotations

from datetime import datetime

from redis.asyncio import Redis

from livecode.allocation import Allocator, eligible
from livecode.common import _explain, local_now, members_of
from scrm.enums import LiveCodeStatus
from scrm.infra import schedule as sched
from scrm.models import Corp
from scrm.models.livecode import LiveCode, LiveCodeMember
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.contacts import ContactWay, ContactWayUpdate


def _skip_verify(code: LiveCode, local: datetime) -> bool:
    if code.skip_verify_mode == "window":
        return sched.is_open({}, {local.date().isoformat(): code.skip_verify_windows}, local)
    return code.skip_verify_mode == "always"


async def expand_departments(code: LiveCode, client: WeComClient) -> list[LiveCodeMember]:
    """Members of the code's departments who are not in the pool yet join it."""
    if not code.departments:
        return []
    have = {m.userid for m in await members_of(code)}
    added = []
    for department in code.departments:
        for user in (await client.list_department_users(department)).userlist:
            if user.userid in have:
                continue
            have.add(user.userid)
            added.append(
                await LiveCodeMember.create(
                    corp_id=code.corp_id,  # type: ignore[attr-defined]
                    code_id=code.id,
                    userid=user.userid,
                    daily_quota=code.department_quota,
                )
            )
    return added


async def sync_code(
    code: LiveCode,
    client: WeComClient,
    corp: Corp,
    redis: Redis | None = None,
    now: datetime | None = None,
) -> LiveCode:
    """Recompute eligibility and status; touch WeCom only when what it holds must change."""
    local = local_now(corp, now)
    if code.status != "paused":
        expired = code.expires_at is not None and code.expires_at <= local
        code.status = LiveCodeStatus.EXPIRED if expired else code.status
    try:
        joined = await expand_departments(code, client)
        if joined and code.strategy != "native":  # new hires get their own QR on landing codes
            for m in joined:
                way = await client.add_contact_way(
                    ContactWay(
                        type=1,
                        scene=2,
                        state=code.state,
                        user=[m.userid],
                        skip_verify=code.skip_verify,
                    )
                )
                m.config_id, m.qr_url = way.config_id, way.qr_code
                await m.save(update_fields=["config_id", "qr_url", "updated_at"])
    except errors.WeComError as exc:
        code.last_error = str(_explain(exc))
    members = await members_of(code)
    pool = eligible(code, [m for m in members if not m.backup], local)
    if redis is not None:
        used = await Allocator(redis).used_today(
            code, [m.userid for m in pool], local.date().isoformat()
        )
        pool = [m for m in pool if not m.daily_quota or used.get(m.userid, 0) < m.daily_quota]
    backups = [m for m in members if m.backup and m.online]
    if code.status not in ("paused", "expired"):
        code.status = LiveCodeStatus.ACTIVE if pool or backups else LiveCodeStatus.EXHAUSTED
    try:
        if code.strategy == "native" and code.config_id:
            users = [m.userid for m in pool] or [m.userid for m in backups]
            if users and sorted(users) != sorted(code.synced_userids):
                await client.update_contact_way(
                    ContactWayUpdate(config_id=code.config_id, user=users)
                )
                code.synced_userids = users
        skip = _skip_verify(code, local)
        if skip != code.skip_verify:
            for config_id in filter(None, [code.config_id] + [m.config_id for m in members]):
                await client.update_contact_way(
                    ContactWayUpdate(config_id=config_id, skip_verify=skip)
                )
            code.skip_verify = skip
        code.last_error = ""
    except errors.WeComError as exc:
        code.last_error = str(_explain(exc))
    await code.save()
    return code
