"""Customer 360: everything known about one customer, in time order, from every table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scrm.models import (
    Customer,
    FollowRelation,
    FollowUp,
    GroupMember,
    Lead,
    LeadActivity,
    LinkOpen,
    Material,
    Opportunity,
    StageChange,
    Task,
)


async def served_by(corp_id: int, external_userid: str, owners: list[str]) -> bool:
    return await FollowRelation.filter(
        corp_id=corp_id, customer__external_userid=external_userid, staff__userid__in=owners
    ).exists()


async def radar_opens(corp_id: int, external_userid: str) -> list[dict[str, Any]]:
    """雷达 link opens (a lead's `link_open` activity only exists when there is a lead)."""
    opens = await LinkOpen.filter(corp_id=corp_id, target_id=external_userid).order_by("-id")
    titles = dict(
        await Material.filter(id__in={o.material_id for o in opens[:200]}).values_list(
            "id", "title"
        )
    )
    return [
        _item(o.opened_at, "radar.open", title=titles.get(o.material_id, ""), userid=o.sender)
        for o in opens[:200]
    ]


def _item(at: datetime | None, kind: str, **data: Any) -> dict[str, Any]:
    return {"at": at.isoformat() if at else None, "kind": kind, **data}


def _second(at: datetime | None) -> str:
    return at.isoformat()[:19] if at else ""


async def for_customer(corp_id: int, external_userid: str) -> dict[str, Any]:
    customer = await Customer.get_or_none(corp_id=corp_id, external_userid=external_userid)
    items: list[dict[str, Any]] = []
    relations = await FollowRelation.filter(
        corp_id=corp_id, customer__external_userid=external_userid
    ).prefetch_related("staff")
    for r in relations:
        items.append(_item(r.added_at, "wecom.added", userid=r.staff.userid, state=r.state))
        if r.deleted_at:
            items.append(_item(r.deleted_at, f"wecom.{r.status.value}", userid=r.staff.userid))
    for m in await GroupMember.filter(member_id=external_userid).prefetch_related("chat"):
        items.append(_item(m.joined_at, "group.joined", chat=m.chat.name or m.chat.chat_id))
        if m.left_at:
            items.append(_item(m.left_at, "group.left", chat=m.chat.name or m.chat.chat_id))
    leads = await Lead.filter(corp_id=corp_id, customer_id=customer.id) if customer else []
    lead_ids = [lead.id for lead in leads]
    follow_ups = await FollowUp.filter(corp_id=corp_id, external_userid=external_userid)
    # A follow-up written on the customer by the lead's owner is also logged on the lead (it
    # resets the recycling clock): the same note at the same instant is shown once.
    written = {(f.userid, f.note[:2000], _second(f.at)) for f in follow_ups}
    acts = (
        await LeadActivity.filter(lead_id__in=lead_ids)
        .order_by("at")
        .values("at", "kind", "lead_id", "points", "actor", "data")
    )
    items.extend(
        _item(
            a["at"],
            f"lead.{a['kind']}",
            lead_id=a["lead_id"],
            points=a["points"],
            actor=a["actor"],
            data=a["data"],
        )
        for a in acts
        if not (
            a["kind"] == "followup"
            and (a["actor"], (a["data"] or {}).get("note", ""), _second(a["at"])) in written
        )
    )
    opps = await Opportunity.filter(corp_id=corp_id, lead_id__in=lead_ids)
    changes = await StageChange.filter(opportunity_id__in=[o.id for o in opps]).values(
        "at", "opportunity_id", "to_stage", "actor"
    )
    items.extend(
        _item(
            c["at"],
            "deal.stage",
            opportunity_id=c["opportunity_id"],
            to=c["to_stage"],
            actor=c["actor"],
        )
        for c in changes
    )
    items.extend(_item(f.at, "followup", userid=f.userid, note=f.note) for f in follow_ups)
    tasks = await Task.filter(corp_id=corp_id, external_userid=external_userid)
    items.extend(
        _item(
            t.created_at,
            "task",
            title=t.title,
            assignee=t.assignee,
            due_at=t.due_at.isoformat() if t.due_at else None,
            done=t.done_at is not None,
        )
        for t in tasks
    )
    items.extend(await radar_opens(corp_id, external_userid))
    items.sort(key=lambda i: i["at"] or "")
    return {
        "external_userid": external_userid,
        "name": customer.name if customer else "",
        "first_channel": customer.first_channel if customer else "",
        "leads": [
            {
                "id": x.id,
                "score": x.score,
                "grade": x.grade,
                "status": x.status,
                "owner_userid": x.owner_userid,
            }
            for x in leads
        ],
        "opportunities": [{"id": o.id, "name": o.name, "amount": o.amount} for o in opps],
        "timeline": items,
    }
