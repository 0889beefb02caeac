"""群发 tracking: who confirmed, what each customer or group got (paged, polled with backoff;
41063 right after creation only means "ask again soon"), reminders (≤ 3 per 24 h) and cancel."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.models import Corp, MassSend, MassSendRecipient, MassSendTask, Staff
from scrm.models.base import corp_pk
from scrm.services.mass_send import ClientFor
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.messages import GroupMsgResultRequest, GroupMsgTaskRequest

FIRST_POLL = 30  # seconds
MAX_POLL = 3600  # an idle send is asked at most hourly…
STOP_AFTER = timedelta(days=3)  # …and not at all once WeCom's task has gone stale
REMINDS_PER_DAY = 3
STATUS_LABELS = {0: "未发送", 1: "已发送", 2: "非好友", 3: "已收到其他群发"}


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def _tasks(client: WeComClient, msgid: str) -> dict[str, int | None]:
    """userid → send_time (None: not confirmed yet), every page."""
    out: dict[str, int | None] = {}
    cursor: str | None = None
    while True:
        page = await client.get_groupmsg_task(
            GroupMsgTaskRequest(msgid=msgid, limit=1000, cursor=cursor)
        )
        for t in page.task_list:
            out[t.userid] = (t.send_time or 0) if t.status == 2 else None
        if not page.next_cursor:
            return out
        cursor = page.next_cursor


async def send_results(client: WeComClient, msgid: str, userid: str) -> dict[str, int]:
    """Per customer (or group) of one member's task: WeCom's send status (0 未发送 1 已发送 …)."""
    out: dict[str, int] = {}
    cursor: str | None = None
    while True:
        page = await client.get_groupmsg_send_result(
            GroupMsgResultRequest(msgid=msgid, userid=userid, limit=1000, cursor=cursor)
        )
        for r in page.send_list:
            out[r.external_userid or r.chat_id or ""] = r.status
        if not page.next_cursor:
            return out
        cursor = page.next_cursor


async def track(send_id: int, client_for: ClientFor, now: datetime | None = None) -> int:
    """One tracking pass; returns how many recipients changed. Sets the next pass: soon
    after a change or a 41063, then doubling up to hourly while nothing moves."""
    now = now or datetime.now(UTC)
    send = await MassSend.get(id=send_id)
    client = client_for(await Corp.get(id=corp_pk(send)))
    changed, not_ready = 0, False
    open_tasks = await MassSendTask.filter(send_id=send_id, confirmed=False).exclude(msgid="")
    for task in open_tasks:
        try:
            confirmed = (await _tasks(client, task.msgid)).get(task.sender)
        except errors.WeComError:  # 41063 just after creation, or a transient failure
            not_ready = True
            continue
        if confirmed is None:
            continue
        try:
            results = await send_results(client, task.msgid, task.sender)
        except errors.WeComError:
            not_ready = True
            continue
        at = datetime.fromtimestamp(confirmed, UTC) if confirmed else now
        changed += await _apply(task, results, at)
        await MassSendTask.filter(id=task.id).update(confirmed=True, sent_at=at)
    waiting = await MassSendTask.filter(send_id=send_id, confirmed=False).exclude(msgid="").count()
    age = now - _aware(send.send_at)
    if waiting == 0 or age > STOP_AFTER or send.status == "cancelled":
        nxt, every = None, send.track_every
    else:
        every = FIRST_POLL if (changed or not_ready) else min(send.track_every * 2, MAX_POLL)
        nxt = now + timedelta(seconds=5 if not_ready else every)
    await MassSend.filter(id=send_id).update(tracked_at=now, next_track_at=nxt, track_every=every)
    return changed


async def _apply(task: MassSendTask, results: dict[str, int], at: datetime) -> int:
    by_status: dict[int, list[str]] = defaultdict(list)
    for target, status in results.items():
        by_status[status].append(target)
    changed = 0
    for status, targets in by_status.items():
        for i in range(0, len(targets), 1000):
            chunk = targets[i : i + 1000]
            changed += await MassSendRecipient.filter(
                task_id=task.id, target_id__in=chunk, status=0
            ).update(status=status, sent_at=at if status == 1 else None)
    return changed


async def due(now: datetime) -> list[int]:
    rows = await MassSend.filter(
        status__in=("sent", "cancelled"), next_track_at__lte=now
    ).values_list("id")
    return [int(i) for (i,) in rows]


async def remind(
    send_id: int, client_for: ClientFor, now: datetime | None = None
) -> dict[str, Any]:
    """Remind every member who has not sent, each task at most 3 times in 24 h."""
    now = now or datetime.now(UTC)
    send = await MassSend.get(id=send_id)
    if send.status != "sent":
        return {"reminded": [], "skipped": [], "error": "只有已创建的群发可以提醒"}
    client = client_for(await Corp.get(id=corp_pk(send)))
    reminded, skipped = [], []
    for task in await MassSendTask.filter(send_id=send_id, confirmed=False).exclude(msgid=""):
        recent = [r for r in task.reminders if now - _parse(r) < timedelta(hours=24)]
        if len(recent) >= REMINDS_PER_DAY:
            skipped.append(task.sender)
            continue
        try:
            await client.remind_groupmsg_send(task.msgid)
        except errors.WeComError:
            skipped.append(task.sender)
            continue
        await MassSendTask.filter(id=task.id).update(reminders=[*recent, now.isoformat()])
        reminded.append(task.sender)
    return {"reminded": reminded, "skipped": skipped}


def _parse(raw: str) -> datetime:
    return _aware(datetime.fromisoformat(raw))


async def cancel(send_id: int, client_for: ClientFor) -> dict[str, Any]:
    """A scheduled send is simply stopped; a made one has its unsent tasks cancelled at WeCom
    (what members already sent stays sent)."""
    send = await MassSend.get(id=send_id)
    if await MassSend.filter(id=send_id, status="scheduled").update(status="cancelled"):
        return {"cancelled_tasks": 0}
    if send.status != "sent":
        return {"cancelled_tasks": 0, "error": f"状态为 {send.status} 的群发不能取消"}
    client = client_for(await Corp.get(id=corp_pk(send)))
    done = 0
    for task in await MassSendTask.filter(send_id=send_id, confirmed=False).exclude(msgid=""):
        try:
            await client.cancel_groupmsg_send(task.msgid)
        except errors.WeComError:
            continue
        done += 1
    await MassSend.filter(id=send_id).update(status="cancelled")
    return {"cancelled_tasks": done}


async def progress(send_id: int) -> dict[str, Any]:
    """The detail page's numbers: per member and per status."""
    tasks = await MassSendTask.filter(send_id=send_id).order_by("sender", "id")
    names = dict(
        await Staff.filter(
            corp_id__in={corp_pk(t) for t in tasks}, userid__in={t.sender for t in tasks}
        ).values_list("userid", "name")
    )
    counts = await MassSendRecipient.filter(send_id=send_id).values_list("task_id", "status")
    per_task: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[int, int] = defaultdict(int)
    for task_id, status in counts:
        per_task[int(task_id)][int(status)] += 1
        totals[int(status)] += 1
    return {
        "totals": {STATUS_LABELS[s]: totals.get(s, 0) for s in STATUS_LABELS},
        "status_counts": {str(s): totals.get(s, 0) for s in STATUS_LABELS},
        "members": [
            {
                "userid": t.sender,
                "name": names.get(t.sender) or t.sender,
                "msgid": t.msgid,
                "confirmed": t.confirmed,
                "sent_at": t.sent_at.isoformat() if t.sent_at else None,
                "recipients": t.recipients,
                "reminders": len(t.reminders),
                "error": t.error,
                "status_counts": {str(s): per_task[t.id].get(s, 0) for s in STATUS_LABELS},
            }
            for t in tasks
        ],
    }
