"""Customers as the admin sees them: the scoped, filtered list and the 360° detail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, Subquery

from scrm.models import Customer, FollowRelation, FollowUp, Lead, Opportunity, Staff, Tag
from scrm.models.livecode import LiveCode
from scrm.services import display_names, timeline

PER_PAGE = 20
STATUS_LABELS = {
    "active": "正常",
    "pending": "待通过",
    "customer_deleted": "客户已删除",
    "staff_deleted": "员工已删除",
    "transferred": "已转接",
}


@dataclass(frozen=True)
class Filters:
    tag: str = ""  # a WeCom tag_id
    owner: str = ""  # a staff userid
    channel: str = ""  # a live-code state, or the customer's first channel
    q: str = ""  # name, remark or exact external_userid
    page: int = 1
    per_page: int = PER_PAGE


def masked(phone: str | None) -> str:
    phone = phone or ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else ""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def served(corp_id: int, owners: list[str] | None, external_userid: str) -> bool:
    """Whether the caller may see this customer: one of `owners` follows (or followed) them.
    The same rule as the timeline endpoint, so a listed customer always opens."""
    if owners is None:
        return True
    return await timeline.served_by(corp_id, external_userid, owners)


async def channel_names(corp_id: int) -> dict[str, str]:
    """Live-code state → the code's name: the channel a customer arrived by, readable."""
    rows = await LiveCode.filter(corp_id=corp_id).values_list("state", "name")
    return {str(state): str(name) for state, name in rows}


async def tag_names(corp_id: int, tag_ids: Iterable[str] | None = None) -> dict[str, str]:
    q = Tag.filter(corp_id=corp_id, deleted=False)
    if tag_ids is not None:
        q = q.filter(tag_id__in=list(tag_ids))
    return {str(t): str(n) for t, n in await q.values_list("tag_id", "name")}


async def list_customers(corp_id: int, owners: list[str] | None, f: Filters) -> dict[str, Any]:
    rel = FollowRelation.filter(corp_id=corp_id)
    if owners is not None:  # staff: customers they follow; managers: their team's too
        rel = rel.filter(staff__userid__in=owners)
    if f.owner:
        rel = rel.filter(staff__userid=f.owner)
    if f.channel:
        rel = rel.filter(Q(state=f.channel) | Q(customer__first_channel=f.channel))
    if f.q:
        rel = rel.filter(
            Q(customer__name__icontains=f.q)
            | Q(remark__icontains=f.q)
            | Q(customer__external_userid=f.q)
        )
    customers = Customer.filter(corp_id=corp_id)
    if f.tag:
        # Tags live in a JSON list; SQLite has no JSON "contains", so this one is read here.
        rows = await rel.values_list("customer_id", "tag_ids")
        customers = customers.filter(id__in={c for c, tags in rows if f.tag in (tags or [])})
    else:
        customers = customers.filter(id__in=Subquery(rel.values("customer_id")))
    total = await customers.count()
    page = await customers.order_by("-id").offset((f.page - 1) * f.per_page).limit(f.per_page)
    return {
        "total": total,
        "page": f.page,
        "per_page": f.per_page,
        "items": await _summaries(corp_id, page),
    }


async def _summaries(corp_id: int, customers: list[Customer]) -> list[dict[str, Any]]:
    ids = [c.id for c in customers]
    relations = await FollowRelation.filter(customer_id__in=ids).prefetch_related("staff")
    leads = await Lead.filter(corp_id=corp_id, customer_id__in=ids, merged_into_id=None)
    names = await tag_names(corp_id, {t for r in relations for t in r.tag_ids})
    channels = await channel_names(corp_id)
    people = await display_names.customers(corp_id, [c.external_userid for c in customers])
    out = []
    for c in customers:
        mine = [r for r in relations if r.customer_id == c.id]  # type: ignore[attr-defined]
        best = max(
            (x for x in leads if x.customer_id == c.id),  # type: ignore[attr-defined]
            key=lambda x: x.score,
            default=None,
        )
        tags = sorted({names[t] for r in mine for t in r.tag_ids if t in names})
        out.append(
            {
                "external_userid": c.external_userid,
                "name": c.name,
                "display_name": people[c.external_userid].name,
                "avatar": c.avatar,
                "corp_name": c.corp_name,
                "first_channel": c.first_channel,
                "channel_name": channels.get(c.first_channel, c.first_channel),
                "owners": [
                    {"userid": r.staff.userid, "name": r.staff.name, "status": r.status.value}
                    for r in mine
                ],
                "tags": tags,
                "lead": None
                if best is None
                else {"id": best.id, "grade": best.grade, "score": best.score},
                "last_activity_at": _iso(c.last_activity_at),
            }
        )
    return out


async def detail(
    corp_id: int, owners: list[str] | None, external_userid: str
) -> dict[str, Any] | None:
    """Everything on the 360° page but the timeline; None when absent or out of scope."""
    customer = await Customer.get_or_none(corp_id=corp_id, external_userid=external_userid)
    if customer is None or not await served(corp_id, owners, external_userid):
        return None
    relations = await FollowRelation.filter(customer_id=customer.id).prefetch_related("staff")
    names = await tag_names(corp_id, {t for r in relations for t in r.tag_ids})
    channels = await channel_names(corp_id)
    leads = await Lead.filter(corp_id=corp_id, customer_id=customer.id, merged_into_id=None)
    lead_ids = [x.id for x in leads]
    opps = await Opportunity.filter(
        Q(lead_id__in=lead_ids) | Q(customer_id_ref=customer.id), corp_id=corp_id
    ).prefetch_related("stage")
    notes = (
        await FollowUp.filter(corp_id=corp_id, external_userid=external_userid)
        .order_by("-at", "-id")
        .limit(50)
    )
    staff_names = dict(await Staff.filter(corp_id=corp_id).values_list("userid", "name"))
    return {
        "external_userid": customer.external_userid,
        "name": customer.name,
        "display_name": await display_names.name(corp_id, external_userid),
        "avatar": customer.avatar,
        "type": customer.type,
        "gender": customer.gender,
        "corp_name": customer.corp_name,
        "phone_masked": masked(customer.phone),
        "first_channel": customer.first_channel,
        "channel_name": channels.get(customer.first_channel, customer.first_channel),
        "last_activity_at": _iso(customer.last_activity_at),
        "first_added_at": _iso(min((r.added_at for r in relations if r.added_at), default=None)),
        "owners": [
            {
                "userid": r.staff.userid,
                "name": r.staff.name,
                "status": r.status.value,
                "status_label": STATUS_LABELS.get(r.status.value, r.status.value),
                "remark": r.remark,
                "description": r.description,
                "state": r.state,
                "channel_name": channels.get(r.state, r.state),
                "tags": [names[t] for t in r.tag_ids if t in names],
                "added_at": _iso(r.added_at),
                "deleted_at": _iso(r.deleted_at),
            }
            for r in relations
        ],
        "tags": sorted({names[t] for r in relations for t in r.tag_ids if t in names}),
        "leads": [
            {
                "id": x.id,
                "name": x.name,
                "score": x.score,
                "grade": x.grade,
                "status": x.status,
                "owner_userid": x.owner_userid,
                "in_pool": x.in_pool,
                "channel": x.channel,
            }
            for x in sorted(leads, key=lambda x: -x.score)
        ],
        "opportunities": [
            {
                "id": o.id,
                "name": o.name,
                "stage": o.stage.name,
                "amount": o.amount,
                "currency": o.currency,
                "owner_userid": o.owner_userid,
                "next_step": o.next_step,
                "closed": o.closed_at is not None,
            }
            for o in opps
        ],
        "follow_ups": [
            {
                "at": _iso(n.at),
                "userid": n.userid,
                "name": staff_names.get(n.userid, n.userid),
                "note": n.note,
            }
            for n in notes
        ],
    }


async def options(corp_id: int, owners: list[str] | None) -> dict[str, Any]:
    """What the filter bar offers: tags, the staff in scope, the live codes (channels)."""
    staff = Staff.filter(corp_id=corp_id, active=True)
    if owners is not None:
        staff = staff.filter(userid__in=owners)
    codes = await LiveCode.filter(corp_id=corp_id).order_by("name").values_list("state", "name")
    tags = await Tag.filter(corp_id=corp_id, deleted=False).order_by("order", "name")
    return {
        "tags": [{"id": t.tag_id, "name": t.name} for t in tags],
        "staff": [
            {"userid": u, "name": n}
            for u, n in await staff.order_by("userid").values_list("userid", "name")
        ],
        "channels": [{"state": s, "name": n} for s, n in codes],
    }


summaries = _summaries  # the list's rows, for other customer lists (segment previews)
