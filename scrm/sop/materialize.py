"""Runs as rows: every (target, step, due time) of a plan, written idempotently ahead of time."""

from __future__ import annotations

import fnmatch
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scrm.enums import GroupStatus
from scrm.infra import clock
from scrm.models import Corp, GroupChat, SopPlan, SopRun
from scrm.models.base import corp_pk
from scrm.services.bulk import Table, insert_ignore
from scrm.sop.schemas import Schedule
from scrm.sop.timing import due_times

HORIZON = timedelta(days=2)  # runs are written this far ahead; the cron keeps extending it
SOP_RUNS = Table(
    "sop_run",
    (
        "corp_id",
        "plan_id",
        "step_id",
        "target_id",
        "owner_userid",
        "due_at",
        "status",
        "msgid",
        "error",
        "created_at",
        "updated_at",
    ),
    ("plan_id", "step_id", "target_id", "due_at"),
)


def matches(target: dict[str, Any], chat: GroupChat) -> bool:
    if chat.chat_id in target.get("chat_ids", []):
        return True
    owners, pattern = target.get("owners", []), target.get("name_pattern", "")
    tags = set(target.get("tags", []))
    if not owners and not pattern and not tags:
        return False
    return (
        (not owners or chat.owner_userid in owners)
        and (not pattern or fnmatch.fnmatchcase(chat.name, pattern))
        and (not tags or not tags.isdisjoint(chat.tags))
    )


async def targets(plan: SopPlan) -> list[GroupChat]:
    chats = await GroupChat.filter(corp_id=corp_pk(plan), status=GroupStatus.ACTIVE)
    return [c for c in chats if matches(plan.target, c)]


def runs_for(
    plan: SopPlan, chats: list[GroupChat], start: datetime, end: datetime, zone: ZoneInfo
) -> list[tuple[str, GroupChat, datetime]]:
    out: list[tuple[str, GroupChat, datetime]] = []
    for step in plan.steps:
        schedule = Schedule.model_validate(step["schedule"])
        for chat in chats:
            dues = due_times(schedule, created=chat.created_at, start=start, end=end, zone=zone)
            out.extend((step["id"], chat, due) for due in dues)
    return out


async def _zone(plan: SopPlan) -> ZoneInfo:
    corp = await Corp.get(id=corp_pk(plan))
    return clock.zone(corp.timezone)


async def materialize(
    plan: SopPlan, now: datetime | None = None, chats: list[GroupChat] | None = None
) -> int:
    """Write the runs due in [max(now, plan start), now + HORIZON); existing ones stay as they
    are (ON CONFLICT DO NOTHING), so running it again — or concurrently — changes nothing."""
    if plan.status != "active":
        return 0
    now = now or datetime.now(UTC)
    start = max(now, plan.starts_at)
    runs = runs_for(
        plan,
        chats if chats is not None else await targets(plan),
        start,
        now + HORIZON,
        await _zone(plan),
    )
    rows = [
        [
            corp_pk(plan),
            plan.id,
            step_id,
            chat.chat_id,
            chat.owner_userid,
            due.astimezone(UTC),  # SQLite compares datetimes as text: one offset for all
            "planned",
            "",
            "",
            now,
            now,
        ]
        for step_id, chat, due in runs
    ]
    return len(await insert_ignore(SOP_RUNS, rows))


async def replan(plan: SopPlan, now: datetime | None = None) -> int:
    """After an edit: future planned runs are dropped and planned again; past ones untouched."""
    now = now or datetime.now(UTC)
    await SopRun.filter(plan_id=plan.id, status="planned", due_at__gt=now).delete()
    return await materialize(plan, now)


async def preview(
    plan: SopPlan, now: datetime | None = None, days: int = 30
) -> list[dict[str, Any]]:
    """Who receives what, when, over the next `days` — computed, nothing written."""
    now = now or datetime.now(UTC)
    texts = {s["id"]: (s.get("action", "message"), s.get("text", "")) for s in plan.steps}
    runs = runs_for(
        plan,
        await targets(plan),
        max(now, plan.starts_at),
        now + timedelta(days=days),
        await _zone(plan),
    )
    return [
        {
            "due_at": due.isoformat(),
            "step_id": step_id,
            "chat_id": chat.chat_id,
            "chat_name": chat.name,
            "owner_userid": chat.owner_userid,
            "action": texts[step_id][0],
            "text": texts[step_id][1],
        }
        for step_id, chat, due in sorted(runs, key=lambda r: (r[2], r[1].chat_id))
    ]


async def for_new_group(corp_id: int, chat: GroupChat, now: datetime | None = None) -> int:
    """A group just created: every active plan whose target it matches plans its runs now."""
    return await refit_group(corp_id, chat, now)


async def refit_group(corp_id: int, chat: GroupChat, now: datetime | None = None) -> int:
    """A group created, renamed, handed over or (un)tagged: plans it now matches plan its runs
    (future ones follow a new owner); plans it no longer matches drop its future planned runs
    (past and fired runs stay)."""
    now = now or datetime.now(UTC)
    written = 0
    for plan in await SopPlan.filter(corp_id=corp_id, status="active", kind="group"):
        future = SopRun.filter(
            plan_id=plan.id, target_id=chat.chat_id, status="planned", due_at__gt=now
        )
        if matches(plan.target, chat):
            # A new owner sends what is still to come (the old one can no longer).
            await future.exclude(owner_userid=chat.owner_userid).update(
                owner_userid=chat.owner_userid
            )
            written += await materialize(plan, now, chats=[chat])
        else:
            await future.delete()
    return written
