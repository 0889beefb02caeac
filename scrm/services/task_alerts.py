"""Reminders sent as WeCom app messages: due tasks, and leads past their first-response SLA
(each told once; an SLA breach is also put on the lead's timeline for the SLA report)."""

from __future__ import annotations

from datetime import datetime, timedelta

from scrm.infra import clock
from scrm.infra.clients import WeComClients
from scrm.models import Corp, Lead, LeadActivity, Task
from scrm.services import notify, scoring


async def remind_due(clients: WeComClients | None, now: datetime) -> int:
    """Each due task's assignee is told once, by a WeCom app message."""
    due = await Task.filter(remind_at__lte=now, reminded_at__isnull=True, done_at__isnull=True)
    sent = 0
    corps: dict[int, Corp] = {}
    for task in due:
        corp_pk = task.corp_id  # type: ignore[attr-defined]
        corp = corps.get(corp_pk) or await Corp.get(id=corp_pk)
        corps[corp_pk] = corp
        # Mark first: a failed message must not turn into a reminder every minute.
        task.reminded_at = now
        await task.save(update_fields=["reminded_at", "updated_at"])
        when = f"（截止 {clock.when(task.due_at, corp.timezone)}）" if task.due_at else ""
        sent += await notify.tell_member(
            clients, corp, task.assignee, f"任务提醒：{task.title}{when}"
        )
    return sent


async def watch_sla(clients: WeComClients | None, now: datetime) -> int:
    """Each minute: an assigned lead with no first response after `sla_minutes` → its owner
    is told once (and the breach is on the lead's timeline for the SLA report)."""
    told = 0
    for corp in await Corp.filter(active=True):
        settings = await scoring.settings_for(corp.id)
        late = await Lead.filter(
            corp_id=corp.id,
            merged_into_id=None,
            first_response_at__isnull=True,
            assigned_at__lte=now - timedelta(minutes=settings.sla_minutes),
            assigned_at__gte=now - timedelta(days=1),
            status__in=("new", "mql", "sql"),
        ).exclude(owner_userid="")
        breached = set(
            await LeadActivity.filter(
                lead_id__in=[x.id for x in late], kind="sla_breach"
            ).values_list("lead_id", flat=True)
        )
        for lead in (x for x in late if x.id not in breached):
            await LeadActivity.create(
                corp_id=corp.id,
                lead_id=lead.id,
                kind="sla_breach",
                at=now,
                data={"minutes": settings.sla_minutes},
            )
            told += await notify.tell_member(
                clients,
                corp,
                lead.owner_userid,
                f"线索「{lead.name or lead.id}」分配已超 {settings.sla_minutes} 分钟未首次跟进",
            )
    return told
