"""Delivery tracking: a fired task is sent when its member confirms; late ones get a reminder,
then the member's manager hears, then it expires."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from scrm.models import Corp, SopPlan, SopRun, Staff
from scrm.models.base import corp_pk
from scrm.services import notify
from scrm.sop.execute import ClientFor
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.messages import GroupMsgTaskRequest


async def _tell(client_for: ClientFor, corp: Corp, userid: str, text: str) -> None:
    # The run is marked either way, so a member is never spammed by retries of one reminder.
    await notify.tell(client_for(corp), corp, userid, text)


def next_step(
    age: timedelta,
    *,
    remind_after: timedelta,
    escalate_after: timedelta,
    expire_after: timedelta,
    reminded: bool,
    escalated: bool,
) -> str:
    """What an unconfirmed task needs now: expire, escalate (tell the manager), remind (tell
    the member) or nothing — each once, in that order of precedence."""
    if age >= expire_after:
        return "expired"
    if age >= escalate_after and not escalated:
        return "escalated"
    if age >= remind_after and not reminded:
        return "reminded"
    return ""


async def sent_at(client: WeComClient, msgid: str, owner: str, now: datetime) -> datetime | None:
    """When `owner` confirmed the task, or None while they have not (or WeCom cannot say yet:
    41063 right after creation — the next pass asks again)."""
    try:
        tasks = await client.get_groupmsg_task(GroupMsgTaskRequest(msgid=msgid))
    except errors.WeComError:
        return None
    mine = next((t for t in tasks.task_list if t.userid == owner), None)
    if mine is None or mine.status != 2:
        return None
    return datetime.fromtimestamp(mine.send_time, UTC) if mine.send_time else now


async def manager_of(corp: Corp, userid: str) -> str:
    staff = await Staff.get_or_none(corp_id=corp.id, userid=userid)
    return staff.manager_userid if staff else ""


async def track(client_for: ClientFor, now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(UTC)
    counts: dict[str, int] = defaultdict(int)
    by_msg: dict[str, list[SopRun]] = defaultdict(list)
    for run in await SopRun.filter(status="fired").exclude(msgid=""):
        by_msg[run.msgid].append(run)
    plan_ids = {plan_pk(r) for rs in by_msg.values() for r in rs}
    plans = {p.id: p for p in await SopPlan.filter(id__in=plan_ids)}
    for msgid, runs in by_msg.items():
        first = runs[0]
        plan, corp = plans[plan_pk(first)], await Corp.get(id=corp_pk(first))
        ids = [r.id for r in runs]
        sent = await sent_at(client_for(corp), msgid, first.owner_userid, now)
        if sent is not None:
            await SopRun.filter(id__in=ids).update(status="sent", sent_at=sent)
            counts["sent"] += len(ids)
            continue
        step = next_step(
            now - (first.fired_at or now),
            remind_after=timedelta(minutes=plan.remind_after_minutes),
            escalate_after=timedelta(minutes=plan.escalate_after_minutes),
            expire_after=timedelta(hours=plan.expire_after_hours),
            reminded=first.reminded_at is not None,
            escalated=first.escalated_at is not None,
        )
        if step == "expired":
            await SopRun.filter(id__in=ids).update(status="expired")
            counts["expired"] += len(ids)
        elif step == "escalated":
            await _tell(
                client_for,
                corp,
                await manager_of(corp, first.owner_userid),
                f"{first.owner_userid} 尚未发送群SOP「{plan.name}」的群发任务，请督促。",
            )
            await SopRun.filter(id__in=ids).update(escalated_at=now)
            counts["escalated"] += len(ids)
        elif step == "reminded":
            await _tell(
                client_for,
                corp,
                first.owner_userid,
                f"您有群SOP「{plan.name}」的群发任务待确认发送（{len(ids)} 个群）。",
            )
            await SopRun.filter(id__in=ids).update(reminded_at=now)
            counts["reminded"] += len(ids)
    return dict(counts)


def plan_pk(run: SopRun) -> int:
    return int(run.plan_id)  # type: ignore[attr-defined]
