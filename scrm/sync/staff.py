"""Staff sync: WeCom's members, department by department, into Staff rows, with progress."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from scrm.infra import progress
from scrm.infra.logging import get_logger
from scrm.models import Corp, Staff
from scrm.sync.departments import write_departments
from wecom import errors
from wecom.client import WeComClient

log = get_logger("scrm.sync.staff")
STAFF_SYNC = "staff_sync"
ROOT_DEPARTMENT = 1
NO_SUCH_DEPARTMENT = 60123  # a department deleted since a member was last synced


class SyncRefused(Exception):
    """The sync stopped before changing anything, with a message fit to show."""


async def _members(
    client: WeComClient, corp: Corp, redis: Redis, op_id: str
) -> dict[str, tuple[str, list[int]]]:
    """userid → (name, departments). The walk starts at the root and the departments staff were
    last seen in, and follows every department a member belongs to, so a department is read
    even where `fetch_child` does not reach it (the sandbox's departments are flat)."""
    known = await Staff.filter(corp_id=corp.id, active=True).values_list(
        "department_ids", flat=True
    )
    queue = [ROOT_DEPARTMENT]
    for departments in known:
        queue += [d for d in departments or [] if isinstance(d, int) and d not in queue]
    found: dict[str, tuple[str, list[int]]] = {}
    done = 0
    while done < len(queue):
        department = queue[done]
        await progress.report(
            redis, op_id, done=done, total=len(queue) + 1, message=f"正在读取部门 {department}"
        )
        try:
            users = (await client.list_department_users(department)).userlist
        except errors.WeComError as exc:
            if exc.errcode != NO_SUCH_DEPARTMENT or department == ROOT_DEPARTMENT:
                raise
            users = []
        for user in users:
            found[user.userid] = (user.name, list(user.department))
            queue += [d for d in user.department if d not in queue]
        done += 1
    return found


async def sync_staff(corp: Corp, client: WeComClient, redis: Redis, op_id: str) -> dict[str, int]:
    """Upsert every member WeCom lists, deactivate the ones it no longer lists. Nothing is
    deactivated unless the whole walk succeeded and found someone: an API failure halfway
    must not look like an empty company."""
    found = await _members(client, corp, redis, op_id)
    if not found:
        raise SyncRefused("企业微信没有返回任何成员（检查应用的通讯录可见范围），未做任何修改")
    try:
        with_contact = set((await client.get_follow_user_list()).follow_user)
    except errors.WeComError:
        with_contact = None  # the app may lack customer-contact rights: leave the flag alone
    total = len(found) + 1
    existing = {s.userid: s for s in await Staff.filter(corp_id=corp.id)}
    counts = {"added": 0, "updated": 0, "unchanged": 0, "deactivated": 0}
    for n, (userid, (name, departments)) in enumerate(sorted(found.items()), start=1):
        values: dict[str, Any] = {"name": name, "department_ids": departments, "active": True}
        if with_contact is not None:
            values["has_contact_permission"] = userid in with_contact
        row = existing.get(userid)
        if row is None:
            await Staff.create(corp_id=corp.id, userid=userid, **values)
            counts["added"] += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            await row.update_from_dict(values).save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        if n % 50 == 0:
            await progress.report(
                redis, op_id, done=n, total=total, message=f"正在写入成员 {n}/{len(found)}"
            )
    gone = [s.id for s in existing.values() if s.active and s.userid not in found]
    if gone:
        counts["deactivated"] = await Staff.filter(id__in=gone).update(active=False)
    counts["members"] = len(found)
    counts["departments"] = await _departments(corp, client)
    log.info("staff_sync.done", corp_id=corp.corp_id, **counts)
    return counts


async def _departments(corp: Corp, client: WeComClient) -> int:
    """Department names for the pickers and pages; a corp whose app may not read
    department/list keeps its members synced and its departments shown by number."""
    try:
        listed = (await client.list_departments()).department
    except errors.WeComError as exc:
        log.warning("staff_sync.departments_failed", corp_id=corp.corp_id, errcode=exc.errcode)
        return 0
    written = await write_departments(corp.id, listed)
    return written["added"] + written["updated"]


async def run_sync(corp_pk: int, client: WeComClient, redis: Redis, op_id: str) -> None:
    """A whole sync with its progress record: done with the counts, or failed with the reason."""
    corp = await Corp.get(id=corp_pk)
    try:
        counts = await sync_staff(corp, client, redis, op_id)
    except (SyncRefused, errors.WeComError) as exc:
        log.warning("staff_sync.failed", corp_id=corp.corp_id, error=str(exc))
        await progress.report(redis, op_id, done=0, total=1, state="failed", message=str(exc))
        return
    summary = (
        f"同步完成：共 {counts['members']} 人，新增 {counts['added']}，"
        f"更新 {counts['updated']}，停用 {counts['deactivated']}"
    )
    await progress.report(
        redis, op_id, done=1, total=1, state="done", message=summary, result=counts
    )
