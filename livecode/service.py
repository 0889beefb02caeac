"""Live codes kept in step with WeCom: create, edit, pause and delete."""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime

from livecode.allocation import eligible
from livecode.common import (
    LiveCodeError,
    _explain,
    find_by_state,
    local_now,
    members_of,
)
from livecode.schemas import LiveCodeSpec
from livecode.sync import _skip_verify, expand_departments, sync_code
from scrm.enums import LiveCodeStatus
from scrm.models import Corp
from scrm.models.livecode import LiveCode, LiveCodeMember
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.contacts import ContactWay

__all__ = [
    "LiveCodeError",
    "create_live_code",
    "delete_live_code",
    "find_by_state",
    "local_now",
    "members_of",
    "set_paused",
    "sync_code",
    "update_live_code",
]


async def create_live_code(
    corp: Corp, client: WeComClient, spec: LiveCodeSpec, *, landing_base: str = ""
) -> LiveCode:
    """Create the code and its WeCom contact way(s); on a WeCom refusal nothing is kept."""
    code = await LiveCode.create(
        corp_id=corp.id, state=spec.state or "lc_" + secrets.token_hex(6), **spec.columns()
    )
    for m in spec.members:
        await LiveCodeMember.create(corp_id=corp.id, code_id=code.id, **m.model_dump())
    try:
        await expand_departments(code, client)
        if not await LiveCodeMember.exists(code_id=code.id, backup=False):
            await code.delete()
            raise LiveCodeError("所选部门内没有可分配的成员")
        await _create_ways(code, client, local_now(corp))
    except errors.WeComError as exc:
        await _drop_ways(code, client)
        await code.delete()
        raise _explain(exc) from exc
    if code.strategy != "native":
        code.qr_url = f"{landing_base.rstrip('/')}/l/{code.id}"
        await code.save(update_fields=["qr_url", "updated_at"])
    return code


async def _create_ways(code: LiveCode, client: WeComClient, local: datetime) -> None:
    members = await members_of(code)
    skip = _skip_verify(code, local)
    if code.strategy == "native":
        users = [m.userid for m in eligible(code, [m for m in members if not m.backup], local)]
        users = users or [m.userid for m in members if not m.backup]
        way = await client.add_contact_way(
            ContactWay(
                type=2,
                scene=2,
                state=code.state,
                user=users,
                skip_verify=skip,
                remark=code.name[:30],
            )
        )
        code.config_id, code.qr_url, code.synced_userids = way.config_id, way.qr_code, users
    else:
        # One single-member way per member, all with the code's state: our landing page
        # picks the member, the state still attributes the add to the code.
        for m in members:
            way = await client.add_contact_way(
                ContactWay(
                    type=1,
                    scene=2,
                    state=code.state,
                    user=[m.userid],
                    skip_verify=skip,
                    remark=f"{code.name[:20]}-{m.userid}"[:30],
                )
            )
            m.config_id, m.qr_url = way.config_id, way.qr_code
            await m.save(update_fields=["config_id", "qr_url", "updated_at"])
    code.skip_verify = skip
    await code.save()


async def _drop_ways(code: LiveCode, client: WeComClient) -> None:
    ids = [code.config_id] + [m.config_id for m in await members_of(code)]
    for config_id in filter(None, ids):
        # Already gone at WeCom (deleted in the console, or a half-finished create): fine.
        with contextlib.suppress(errors.NotFound, errors.InvalidParameter):
            await client.del_contact_way(config_id)


async def update_live_code(
    code: LiveCode, client: WeComClient, spec: LiveCodeSpec, corp: Corp
) -> LiveCode:
    """Apply an edit: contact ways are rebuilt when the pool or strategy changed."""
    old_members = sorted(m.userid for m in await members_of(code))
    wanted = {m.userid for m in spec.members}
    for department in spec.departments:
        wanted |= {u.userid for u in (await client.list_department_users(department)).userlist}
    rebuild = code.strategy != spec.strategy or old_members != sorted(wanted)
    columns = spec.columns()
    for name, value in columns.items():
        setattr(code, name, value)
    if rebuild:
        await _drop_ways(code, client)
        await LiveCodeMember.filter(code_id=code.id).delete()
        for m in spec.members:
            await LiveCodeMember.create(corp_id=corp.id, code_id=code.id, **m.model_dump())
        code.config_id = ""
        try:
            await expand_departments(code, client)
            await _create_ways(code, client, local_now(corp))
        except errors.WeComError as exc:
            code.last_error = str(_explain(exc))
            await code.save()
            raise _explain(exc) from exc
    else:
        for m in spec.members:
            await LiveCodeMember.filter(code_id=code.id, userid=m.userid).update(
                **m.model_dump(exclude={"userid"})
            )
    code.last_error = ""
    await code.save()
    await sync_code(code, client, corp)
    return code


async def delete_live_code(code: LiveCode, client: WeComClient) -> None:
    await _drop_ways(code, client)
    await code.delete()


async def set_paused(code: LiveCode, client: WeComClient, corp: Corp, paused: bool) -> LiveCode:
    code.status = LiveCodeStatus.PAUSED if paused else LiveCodeStatus.ACTIVE
    await code.save(update_fields=["status", "updated_at"])
    await sync_code(code, client, corp)
    return code
