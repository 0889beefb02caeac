"""The sidebar's customer card: who the customer is to the member in the chat, their tags,
lead, open opportunity and recent timeline."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from admin.api import deal_labels
from admin.api.auth import Actor
from admin.api.customer_query import channel_names
from scrm import labels
from scrm.enums import RelationStatus
from scrm.infra import clock
from scrm.models import Corp, Customer, FollowRelation, Lead, Opportunity, Staff, Tag, TagGroup
from scrm.services import display_names, timeline

RECENT = 10


async def relations(corp_id: int, external_userid: str, who: Actor) -> list[FollowRelation]:
    """The live friend relations with this customer the actor may act through, their own
    first. Empty means: not your customer (the API answers 404, as if it did not exist)."""
    q = FollowRelation.filter(
        corp_id=corp_id,
        customer__external_userid=external_userid,
        status=RelationStatus.ACTIVE,
    )
    owners = who.owners()
    if owners is not None:
        q = q.filter(staff__userid__in=owners)
    rows = await q.prefetch_related("staff", "customer").order_by("id")
    rows.sort(key=lambda r: r.staff.userid != who.userid)
    return rows


async def tag_labels(corp_id: int, tag_ids: list[str]) -> list[dict[str, Any]]:
    """The relation's tags with names, in its order; a tag we have not synced shows its id."""
    rows = await Tag.filter(corp_id=corp_id, tag_id__in=tag_ids).prefetch_related("group")
    known = {t.tag_id: t for t in rows}
    out = []
    for tag_id in tag_ids:
        tag = known.get(tag_id)
        out.append(
            {
                "tag_id": tag_id,
                "name": tag.name if tag else tag_id,
                "group": tag.group.name if tag and tag.group else "",
                "deleted": bool(tag and tag.deleted),
            }
        )
    return out


async def tag_options(corp_id: int) -> list[dict[str, Any]]:
    """The corp's live tag list, grouped, in WeCom's order (a larger `order` comes first)."""
    groups = await TagGroup.filter(corp_id=corp_id, deleted=False).order_by("-order", "id")
    tags = await Tag.filter(corp_id=corp_id, deleted=False).order_by("-order", "id")
    by_group: dict[int, list[dict[str, str]]] = {}
    for t in tags:
        group_pk = getattr(t, "group_id", None)
        if group_pk is not None:
            by_group.setdefault(group_pk, []).append({"tag_id": t.tag_id, "name": t.name})
    return [
        {"group_id": g.group_id, "name": g.name, "tags": by_group[g.id]}
        for g in groups
        if by_group.get(g.id)
    ]


async def _names(corp_id: int, userids: set[str]) -> dict[str, str]:
    rows = await Staff.filter(corp_id=corp_id, userid__in=list(userids)).values_list(
        "userid", "name"
    )
    return {u: n or u for u, n in rows}


def _recent(items: list[dict[str, Any]], channels: dict[str, str]) -> list[dict[str, Any]]:
    """Newest first. A sidebar follow-up is also the lead's follow-up: show it once."""
    notes = {(i.get("userid"), i.get("note")) for i in items if i["kind"] == "followup"}
    kept = [
        i
        for i in items
        if not (
            i["kind"] == "lead.followup"
            and (i.get("actor"), (i.get("data") or {}).get("note")) in notes
        )
    ]
    recent = kept[::-1][:RECENT]
    for i in recent:
        if i["kind"] == "deal.stage":
            i["to_label"] = deal_labels.stage(i.get("to", ""))
        if i.get("state"):
            i["state_name"] = channels.get(i["state"], "")
        i["label"] = labels.label(i["kind"], "event")
    return recent


def _leads(corp_id: int, customer: Customer) -> QuerySet[Lead]:
    """The customer's leads (merged-away ones excluded), linked by row or by external id."""
    return Lead.filter(corp_id=corp_id, merged_into_id=None).filter(
        Q(customer_id=customer.id) | Q(external_userid=customer.external_userid)
    )


async def lead_for(corp_id: int, customer: Customer) -> Lead | None:
    return await _leads(corp_id, customer).order_by("-score", "id").first()


async def opportunities(corp_id: int, customer: Customer) -> QuerySet[Opportunity]:
    """The customer's opportunities: linked directly, or through one of their leads."""
    lead_ids = list(await _leads(corp_id, customer).values_list("id", flat=True))
    ours = Q(customer_id_ref=customer.id)
    if lead_ids:
        ours |= Q(lead_id__in=lead_ids)
    return Opportunity.filter(corp_id=corp_id).filter(ours)


async def build(corp_id: int, relation: FollowRelation) -> dict[str, Any]:
    customer, staff = relation.customer, relation.staff
    ext = customer.external_userid
    lead = await lead_for(corp_id, customer)
    opp = (
        await (await opportunities(corp_id, customer))
        .filter(closed_at=None, stage__is_won=False, stage__is_lost=False)
        .prefetch_related("stage")
        .order_by("-updated_at")
        .first()
    )
    owner = lead.owner_userid if lead and lead.owner_userid else staff.userid
    names = await _names(corp_id, {owner, staff.userid})
    story = await timeline.for_customer(corp_id, ext)
    channels = await channel_names(corp_id)
    corp = await Corp.get(id=corp_id)
    return {
        "timezone": clock.zone(corp.timezone).key,
        "external_userid": ext,
        "name": customer.name,
        # This member's remark comes before another's when WeCom gave no name.
        "display_name": await display_names.name(corp_id, ext, staff.userid),
        "avatar": customer.avatar,
        "corp_name": customer.corp_name,
        "type": customer.type,
        "first_channel": customer.first_channel,
        "first_channel_name": channels.get(customer.first_channel, customer.first_channel),
        "userid": staff.userid,
        "staff_name": names.get(staff.userid, staff.userid),
        "remark": relation.remark,
        "added_at": relation.added_at,
        "tags": await tag_labels(corp_id, list(relation.tag_ids)),
        "owner": {"userid": owner, "name": names.get(owner, owner)},
        "lead": None
        if lead is None
        else {
            "id": lead.id,
            "grade": lead.grade,
            "score": lead.score,
            "status": lead.status,
            "in_pool": lead.in_pool,
        },
        "opportunity": None
        if opp is None
        else {
            "id": opp.id,
            "name": opp.name,
            "stage": opp.stage.name,
            "stage_label": deal_labels.stage(opp.stage.name),
            "probability": opp.probability,
            "amount": opp.amount,
            "amount_text": deal_labels.yuan(opp.amount, opp.currency),
            "next_step": opp.next_step,
            "next_step_date": opp.next_step_date,
        },
        "timeline": _recent(story["timeline"], channels),
    }
