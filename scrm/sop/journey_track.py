"""Journey sends tracked like group SOP tasks: sent when the owner confirms; else a reminder,
then the owner's manager, then expiry."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from scrm.enums import JourneyTaskStatus
from scrm.models import Corp, Journey, JourneyTask, Staff
from scrm.services import notify
from scrm.sop.execute import ClientFor
from scrm.sop.track import manager_of, next_step, sent_at

# Journeys have no per-journey settings for these: a customer message waits on its member
# the same way a group SOP task does by default.
REMIND_AFTER = timedelta(minutes=30)
ESCALATE_AFTER = timedelta(minutes=120)
EXPIRE_AFTER = timedelta(hours=24)


async def track(client_for: ClientFor, now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(UTC)
    counts: dict[str, int] = defaultdict(int)
    corps: dict[int, Corp] = {}
    names: dict[int, str] = {}
    for task in await JourneyTask.filter(status="fired"):
        corp_id, journey_id = task.corp_id, task.journey_id  # type: ignore[attr-defined]
        if corp_id not in corps:
            corps[corp_id] = await Corp.get(id=corp_id)
        if journey_id not in names:
            names[journey_id] = (await Journey.get(id=journey_id)).name
        corp, name = corps[corp_id], names[journey_id]
        client = client_for(corp)
        sent = await sent_at(client, task.msgid, task.owner_userid, now)
        if sent is not None:
            task.status, task.sent_at = JourneyTaskStatus.SENT, sent
            await task.save(update_fields=["status", "sent_at", "updated_at"])
            counts["sent"] += 1
            continue
        step = next_step(
            now - task.fired_at,
            remind_after=REMIND_AFTER,
            escalate_after=ESCALATE_AFTER,
            expire_after=EXPIRE_AFTER,
            reminded=task.reminded_at is not None,
            escalated=task.escalated_at is not None,
        )
        if step == "expired":
            task.status = JourneyTaskStatus.EXPIRED
        elif step == "escalated":
            member = await Staff.get_or_none(corp_id=corp.id, userid=task.owner_userid)
            who = (member.name if member else "") or task.owner_userid  # a name, not an id
            text = f"{who} 尚未发送客户旅程「{name}」的客户群发任务，请督促。"
            await notify.tell(client, corp, await manager_of(corp, task.owner_userid), text)
            task.escalated_at = now
        elif step == "reminded":
            text = f"您有客户旅程「{name}」的客户群发任务待确认发送（{task.customers} 位客户）。"
            await notify.tell(client, corp, task.owner_userid, text)
            task.reminded_at = now
        if step:
            await task.save(update_fields=["status", "escalated_at", "reminded_at", "updated_at"])
            counts[step] += 1
    return dict(counts)
