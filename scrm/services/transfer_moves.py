"""When WeCom reports a hand-over done, the customer's records follow them to the new member.

Moved: the follow relation (the old one ends as `transferred`, which is also what the live-code
"one customer, one owner" rule reads), open leads, open opportunities, open tasks and
reminders, and journey places not yet sent (their next send goes out from the new member).
A journey send left unsent in the old member's WeCom task is re-planned (transfer_replan).
Each moved row is listed on the hand-over and, for leads, in the lead's
timeline, so history says who owned what and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scrm.enums import RelationStatus
from scrm.models import (
    Corp,
    Customer,
    FollowRelation,
    GroupChat,
    Handover,
    JourneyRun,
    Lead,
    LeadActivity,
    Opportunity,
    SopRun,
    Task,
)
from scrm.models.sop import journey_owner
from scrm.services import contacts, transfer_replan
from wecom.client import WeComClient

OPEN_LEADS = ("new", "mql", "sql")


async def _ids(query: Any) -> list[int]:
    return sorted(int(i) for i in await query.values_list("id", flat=True))


async def _relations(corp: Corp, row: Handover, at: datetime) -> None:
    old = await FollowRelation.get_or_none(
        corp_id=corp.id,
        staff__userid=row.handover_userid,
        customer__external_userid=row.external_userid,
    )
    new = await FollowRelation.get_or_none(
        corp_id=corp.id,
        staff__userid=row.takeover_userid,
        customer__external_userid=row.external_userid,
    )
    if new is None or new.status != RelationStatus.ACTIVE:
        # WeCom sends no add event when the takeover member was already a friend, and the
        # result may be polled before the callback lands: the relation is made here.
        new = await contacts.record_add(
            corp, row.takeover_userid, row.external_userid, at=at, state=old.state if old else ""
        )
        if old is not None:
            new.remark, new.description, new.tag_ids = old.remark, old.description, old.tag_ids
            await new.save(update_fields=["remark", "description", "tag_ids", "updated_at"])
    if old is not None and old.status == RelationStatus.ACTIVE:
        old.status, old.deleted_at = RelationStatus.TRANSFERRED, at
        await old.save(update_fields=["status", "deleted_at", "updated_at"])


async def move_customer(
    corp: Corp, row: Handover, at: datetime, client: WeComClient | None = None
) -> dict[str, Any]:
    """Move everything open of the customer from the handover to the takeover member, once.
    With a WeCom client, journey sends left unsent in the old member's task are re-planned."""
    if row.moved_at is not None:
        return row.moved
    old, new, ext = row.handover_userid, row.takeover_userid, row.external_userid
    await _relations(corp, row, at)
    customer = await Customer.get_or_none(corp_id=corp.id, external_userid=ext)
    lead_ids = await _ids(
        Lead.filter(corp_id=corp.id, external_userid=ext, owner_userid=old, status__in=OPEN_LEADS)
    )
    opps = Opportunity.filter(corp_id=corp.id, owner_userid=old, closed_at__isnull=True)
    opp_ids = sorted(
        set(await _ids(opps.filter(customer_id_ref=customer.id if customer else -1)))
        | set(await _ids(opps.filter(lead_id__in=lead_ids or [-1])))
    )
    open_tasks = Task.filter(corp_id=corp.id, assignee=old, done_at__isnull=True)
    task_ids = sorted(
        set(await _ids(open_tasks.filter(external_userid=ext)))
        | set(await _ids(open_tasks.filter(lead_id__in=lead_ids or [-1])))
        | set(await _ids(open_tasks.filter(opportunity_id__in=opp_ids or [-1])))
    )
    # Only places waiting for their turn: a run the scanner holds ("running") is mid-step.
    run_ids = await _ids(
        JourneyRun.filter(corp_id=corp.id, external_userid=ext, owner_userid=old, status="active")
    )
    await Lead.filter(id__in=lead_ids).update(owner_userid=new, assigned_at=at)
    await Opportunity.filter(id__in=opp_ids).update(owner_userid=new)
    await Task.filter(id__in=task_ids).update(assignee=new)
    # With the owner, the lane: the new owner's scanner walks the run (decision 0034).
    await JourneyRun.filter(id__in=run_ids, status="active").update(**journey_owner(new))
    for lead_id in lead_ids:
        await LeadActivity.create(
            corp_id=corp.id,
            lead_id=lead_id,
            kind="transfer",
            actor=row.operator,
            data={"from": old, "to": new, "handover_id": row.id},
            at=at,
        )
    replanned: list[int] = []
    if client is not None:
        replanned = await transfer_replan.replan_fired(corp, client, old, new, ext, at)
    row.moved = {
        "leads": lead_ids,
        "opportunities": opp_ids,
        "tasks": task_ids,
        "journey_runs": run_ids,
        "journey_resends": replanned,
    }
    row.moved_at = at
    await row.save(update_fields=["moved", "moved_at", "updated_at"])
    return row.moved


async def move_group(corp: Corp, row: Handover, at: datetime) -> dict[str, Any]:
    """A group's new owner sends its planned SOP runs from now on."""
    if row.moved_at is not None:
        return row.moved
    await GroupChat.filter(corp_id=corp.id, chat_id=row.chat_id).update(
        owner_userid=row.takeover_userid
    )
    run_ids = await _ids(
        SopRun.filter(
            corp_id=corp.id,
            target_id=row.chat_id,
            status="planned",
            owner_userid=row.handover_userid,
        )
    )
    await SopRun.filter(id__in=run_ids, status="planned").update(owner_userid=row.takeover_userid)
    row.moved, row.moved_at = {"sop_runs": run_ids}, at
    await row.save(update_fields=["moved", "moved_at", "updated_at"])
    return row.moved
