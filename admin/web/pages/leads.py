"""Admin pages: 线索 — pool / mine / all tabs with filters, one lead's page, the CSV import."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from tortoise.expressions import Q

from admin.api.auth import Actor
from admin.api.leads import lead_out, scoped_lead
from admin.web.render import base_context, current, page
from scrm import labels
from scrm.ints import parse_int
from scrm.models import Corp, Customer, Lead, LeadActivity, Staff
from scrm.models.base import corp_pk
from scrm.services import display_names, prediction

routes = web.RouteTableDef()
PER_PAGE = 50
GRADES = ("S", "A", "B", "C", "D")
LEAD_STATUS = labels.LEAD_STATUS


async def _corp(who: Actor) -> Corp | None:
    if who.corp_pk:
        return await Corp.get_or_none(id=who.corp_pk)
    return await Corp.filter(active=True).first()


def _tabs(who: Actor) -> list[tuple[str, str]]:
    tabs = [("pool", "公海"), ("mine", "我的线索")]
    return [*tabs, ("all", "全部")] if who.at_least("manager") else tabs


def _scoped(corp_id: int, who: Actor, tab: str) -> Any:
    """The tab's leads, within the caller's scope (the same rule as GET /api/v1/leads)."""
    q = Lead.filter(corp_id=corp_id, merged_into_id=None)
    if tab == "pool":
        return q.filter(in_pool=True)
    if tab == "mine":
        return q.filter(owner_userid=who.userid or "-", in_pool=False)
    owners = who.owners()
    return q if owners is None else q.filter(Q(owner_userid__in=owners) | Q(in_pool=True))


async def assignees(corp_id: int, who: Actor) -> list[dict[str, str]]:
    """Whom this manager may give leads to: themselves and their team (ops/admin: anyone)."""
    staff = Staff.filter(corp_id=corp_id, active=True)
    owners = who.owners()
    if owners is not None:
        staff = staff.filter(userid__in=owners)
    rows = await staff.order_by("userid").values_list("userid", "name")
    return [{"userid": u, "name": n or u} for u, n in rows]


def _int(raw: str, default: int) -> int:
    value = parse_int(raw, -999_999, 999_999)
    return default if value is None else value


@routes.get("/admin/leads", name="leads")
@page("leads_list.html", nav="leads", title="线索")
async def lead_list(request: web.Request) -> dict[str, Any]:
    who = current(request)
    corp = await _corp(who)
    if corp is None:
        return {"corp": None}
    query = request.query
    tabs = _tabs(who)
    default = "all" if who.at_least("manager") else "mine"
    tab = query.get("tab", default) if query.get("tab") in dict(tabs) else default
    grade = query.get("grade", "") if query.get("grade") in GRADES else ""
    status = query.get("status", "") if query.get("status") in LEAD_STATUS else ""
    min_score = query.get("min_score", "").strip()
    q = _scoped(corp.id, who, tab)
    if grade:
        q = q.filter(grade=grade)
    if status:
        q = q.filter(status=status)
    if min_score:
        q = q.filter(score__gte=_int(min_score, 0))
    if query.get("q", "").strip():
        q = q.filter(name__icontains=query["q"].strip()[:64])
    page_no = max(1, _int(query.get("page", "1"), 1))
    total = await q.count()
    rows = await q.order_by("-score", "-id").offset((page_no - 1) * PER_PAGE).limit(PER_PAGE)
    kept = {k: v for k, v in query.items() if k != "page" and v}
    shown = await display_names.leads(corp.id, rows)
    counts = {key: await _scoped(corp.id, who, key).count() for key, _ in tabs}
    return {
        "corp": corp,
        "tab": tab,
        "tabs": tabs,
        "counts": counts,
        "grades": GRADES,
        "lead_status": LEAD_STATUS,
        "filters": {
            "grade": grade,
            "status": status,
            "min_score": min_score,
            "q": query.get("q", ""),
        },
        "leads": [
            {**lead_out(x), "display_name": shown[x.id].name, "avatar": shown[x.id].avatar}
            for x in rows
        ],
        "total": total,
        "page_no": page_no,
        "pages": max(1, -(-total // PER_PAGE)),
        "prev_url": "?" + urlencode({**kept, "page": page_no - 1}),
        "next_url": "?" + urlencode({**kept, "page": page_no + 1}),
        "tab_url": {k: "?" + urlencode({"tab": k}) for k, _ in tabs},
        "assignees": await assignees(corp.id, who) if who.at_least("manager") else [],
        "staff_names": dict(await Staff.filter(corp_id=corp.id).values_list("userid", "name")),
    }


@routes.get("/admin/leads/import", name="leads_import")
@page("leads_import.html", nav="leads", title="导入线索", role="manager")
async def lead_import(request: web.Request) -> dict[str, Any]:
    return {}


@routes.get(r"/admin/leads/{id:\d+}", name="lead")
@page("leads_detail.html", nav="leads", title="线索详情")
async def lead_detail(request: web.Request) -> dict[str, Any]:
    who = current(request)
    try:
        lead = await scoped_lead(request)  # the API's own scope rule: pool, or in your scope
    except web.HTTPNotFound:
        context = {**await base_context(request), "title": "线索不存在", "nav": "leads"}
        html = aiohttp_jinja2.render_string("leads_missing.html", request, context)
        raise web.HTTPNotFound(text=html, content_type="text/html") from None
    ids = [lead.id, *await Lead.filter(merged_into_id=lead.id).values_list("id", flat=True)]
    acts = await LeadActivity.filter(lead_id__in=ids).order_by("-at", "-id")
    table = await prediction.frequency_table(corp_pk(lead))
    chance = prediction.predict({f: getattr(lead, f) for f in prediction.FIELDS}, table)
    customer_id = getattr(lead, "customer_id", None)
    customer = await Customer.get_or_none(id=customer_id) if customer_id else None
    person = (
        await display_names.customer(corp_pk(lead), customer.external_userid) if customer else None
    )
    shown = (await display_names.leads(corp_pk(lead), [lead]))[lead.id].name
    staff = await Staff.filter(corp_id=corp_pk(lead)).values_list("userid", "name")
    # Whom a follow-up is written as: yourself; an admin without a WeCom id, as the owner.
    writer = who.userid or lead.owner_userid
    return {
        "title": f"线索 #{lead.id}" + (f" · {shown}" if shown else ""),
        "lead": {**lead_out(lead), "display_name": shown},
        "row": lead,
        "customer": customer,
        "customer_person": person,
        "probability": None if chance is None else round(100 * chance),
        "activities": [
            {
                "label": labels.label(a.kind, "event"),
                "kind": a.kind,
                "points": a.points,
                "actor": a.actor,
                "at": a.at.isoformat(),
                "data": a.data,
            }
            for a in acts
        ],
        "lead_status": LEAD_STATUS,
        "assignees": await assignees(corp_pk(lead), who) if who.at_least("manager") else [],
        "writers": [writer] if writer else [],
        "staff_names": dict(staff),
    }
