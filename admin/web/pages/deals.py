"""商机看板, 商机详情 and 报价审批: the pipeline by stage, one deal in full, quotes to decide."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from admin.api import deal_labels as labels
from admin.api import deal_views
from admin.api.auth import Actor
from admin.web.render import base_context, current, page
from livecode.common import local_now
from scrm.infra import clock
from scrm.ints import parse_id
from scrm.models import Corp, Opportunity, Staff
from scrm.services import deals

routes = web.RouteTableDef()
CARDS_PER_COLUMN = 100  # a column shows its newest moves; count and sum cover all of it


async def _corp(who: Actor) -> Corp:
    corp = (
        await Corp.get_or_none(id=who.corp_pk)
        if who.corp_pk
        else await Corp.filter(active=True).first()
    )
    if corp is None:
        raise web.HTTPServiceUnavailable(text="还没有企业：请先运行 scrm-bot migrate 并引导企业。")
    return corp


async def people(corp: Corp, who: Actor) -> list[dict[str, str]]:
    """Whom this person may file opportunities under (and filter the board by)."""
    names = await deal_views.staff_names(corp.id)
    owners = who.owners()
    if owners is None:
        rows = await Staff.filter(corp_id=corp.id, active=True).values_list("userid", flat=True)
        ids = [str(u) for u in rows]
    else:
        ids = [o for o in owners if o]
    return [{"userid": u, "name": names.get(u) or u} for u in ids]


def _when(value: str | None, tz: ZoneInfo) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _card(row: dict[str, Any], today: str) -> dict[str, Any]:
    return {
        **row,
        "amount_text": labels.yuan(row["amount"], row["currency"]),
        "overdue": bool(
            row["expected_close"] and row["expected_close"] < today and not row["closed"]
        ),
    }


@routes.get("/admin/opportunities", name="deals_kanban")
@page("deals_kanban.html", nav="kanban", title="商机看板")
async def kanban(request: web.Request) -> dict[str, Any]:
    who = current(request)
    corp = await _corp(who)
    owners = who.owners()
    owner = request.query.get("owner", "")
    if owner and owners is not None and owner not in owners:
        owner = ""  # someone outside the person's scope: show what they may see instead
    stages = await deals.ensure_stages(corp.id)
    rows = await deal_views.opportunities(corp.id, owners, owner=owner)
    today = local_now(corp).date().isoformat()
    columns = []
    for s in stages:
        mine = [r for r in rows if r["stage_id"] == s.id]
        amount = sum(r["amount"] for r in mine)
        columns.append(
            {
                "name": s.name,
                "label": labels.stage(s.name),
                "probability": s.probability,
                "is_won": s.is_won,
                "is_lost": s.is_lost,
                "required": [labels.field(f) for f in deals.required(s)],
                "count": len(mine),
                "amount": amount,
                "amount_text": labels.yuan(amount),
                "cards": [_card(r, today) for r in mine[:CARDS_PER_COLUMN]],
                "hidden": max(0, len(mine) - CARDS_PER_COLUMN),
            }
        )
    open_cols = [c for c in columns if not (c["is_won"] or c["is_lost"])]
    summary = {
        "open_count": sum(c["count"] for c in open_cols),
        "open_amount": labels.yuan(sum(c["amount"] for c in open_cols)),
        # Per column, like deals.js recomputes it after a move.
        "weighted": labels.yuan(sum(c["amount"] * c["probability"] // 100 for c in open_cols)),
        "won_amount": labels.yuan(sum(c["amount"] for c in columns if c["is_won"])),
    }
    chart = {
        "type": "bar",
        "labels": [c["label"] for c in columns],
        "series": [{"label": "金额（元）", "data": [c["amount"] / 100 for c in columns]}],
    }
    # A new deal starts in the first stage: its form asks for that stage's required fields.
    first_gate = [
        {"key": f, "label": labels.field(f), "kind": labels.FIELDS.get(f, (f, "text"))[1]}
        for f in deals.required(stages[0])
    ]
    return {
        "columns": columns,
        "first_stage": labels.stage(stages[0].name),
        "first_gate": first_gate,
        "summary": summary,
        "chart": chart,
        "people": await people(corp, who),
        "owner": owner,
        "labels": labels.for_script(),
        "me": who.userid or who.name,
    }


async def _missing(request: web.Request, what: str) -> web.HTTPNotFound:
    """A 404 inside the layout: the same answer for absent and out-of-scope ids."""
    context = {**await base_context(request), "title": "未找到", "nav": "kanban", "what": what}
    html = aiohttp_jinja2.render_string("deals_missing.html", request, context)
    return web.HTTPNotFound(text=html, content_type="text/html")


@routes.get("/admin/opportunities/{id}", name="deals_opportunity")
@page("deals_detail.html", nav="kanban", title="商机详情")
async def opportunity(request: web.Request) -> dict[str, Any]:
    who = current(request)
    corp = await _corp(who)
    raw = request.match_info["id"]
    opp = None
    if (opp_id := parse_id(raw)) is not None:
        opp = await Opportunity.get_or_none(id=opp_id, corp_id=corp.id)
    owners = who.owners()
    if opp is None or (owners is not None and opp.owner_userid not in owners):
        raise await _missing(request, "商机")
    deal = await deal_views.detail(opp)
    tz = clock.zone(corp.timezone)
    stages = await deals.ensure_stages(corp.id)
    # Every gate field any stage asks for, filled or not, so people see what is still to do.
    wanted = list(dict.fromkeys(f for s in stages for f in deals.required(s)))
    known = {
        "next_step": deal["next_step"],
        "next_step_date": deal["next_step_date"],
        "amount": labels.yuan(deal["amount"], deal["currency"]) if deal["amount"] else "",
        "expected_close": deal["expected_close"],
        "lost_reason": labels.LOST.get(deal["lost_reason"], deal["lost_reason"]),
        "lost_note": deal["lost_note"],
    }
    values = [
        {"key": f, "label": labels.field(f), "value": known.get(f, deal["values"].get(f))}
        for f in dict.fromkeys([*wanted, *deal["values"]])
    ]
    names = await deal_views.staff_names(corp.id)
    for q in deal["quotes"]:
        q["requested_name"] = names.get(q["requested_by"]) or q["requested_by"]
        q["decided_name"] = names.get(q["decided_by"]) or q["decided_by"]
        q["total_text"] = labels.yuan(q["total"], q["currency"])
        q["gross_text"] = labels.yuan(q["gross"], q["currency"])
        q["at"] = _when(q["created_at"], tz)
        q["decided"] = _when(q["decided_at"], tz)
    for c in deal["contracts"]:
        c["amount_text"] = labels.yuan(c["amount"], c["currency"])
        c["paid_text"] = labels.yuan(c["paid"], c["currency"])
        c["signed"] = _when(c["signed_at"], tz)
        for p in c["payments"]:
            p["amount_text"], p["at"] = (
                labels.yuan(p["amount"], c["currency"]),
                _when(p["paid_at"], tz),
            )
    for h in deal["history"]:
        h["when"] = _when(h["at"], tz)
    return {
        "title": f"商机：{deal['name']}",
        "deal": deal,
        "amount_text": labels.yuan(deal["amount"], deal["currency"]),
        "values": values,
        "stage_label": labels.stage(deal["stage"]),
        "forecast": labels.FORECAST.get(deal["forecast_category"], deal["forecast_category"]),
        "L": labels,
        "labels": labels.for_script(),
        "me": who.userid or who.name,
    }


def _line(line: dict[str, Any], currency: str) -> str:
    """One quote line as a reader says it: 产品 × 3 · 单价 ¥1,000（行折扣 5%）."""
    text = f"{line.get('product') or '—'} × {line.get('quantity', 0)}"
    text += f" · 单价 {labels.yuan(int(line.get('unit_price') or 0), currency)}"
    if line.get("discount_bp"):
        text += f"（行折扣 {int(line['discount_bp']) / 100:g}%）"
    return text


@routes.get("/admin/quotes", name="deals_quotes")
@page("deals_quotes.html", nav="quotes", title="报价审批", role="manager")
async def quotes_page(request: web.Request) -> dict[str, Any]:
    who = current(request)
    corp = await _corp(who)
    tz = clock.zone(corp.timezone)
    owners = who.owners()
    me = who.userid or who.name
    # The decision API lets a manager's login decide as a manager and an admin's as a director.
    role = "director" if who.at_least("admin") else "manager"
    pending = await deal_views.quote_list(corp.id, owners, ("pending_approval",))
    decided = await deal_views.quote_list(corp.id, owners, ("approved", "rejected"), limit=100)
    names = await deal_views.staff_names(corp.id)
    for q in [*pending, *decided]:
        q["total_text"] = labels.yuan(q["total"], q["currency"])
        q["gross_text"] = labels.yuan(q["gross"], q["currency"])
        q["owner_name"] = names.get(q["owner_userid"]) or q["owner_userid"]
        q["requested_name"] = names.get(q["requested_by"]) or q["requested_by"]
        q["decided_name"] = names.get(q["decided_by"]) or q["decided_by"]
        q["at"], q["decided"] = _when(q["created_at"], tz), _when(q["decided_at"], tz)
        q["lines_text"] = [_line(line, q["currency"]) for line in q.get("lines") or []]
        q["why_not"] = (
            "不能审批自己提交的报价"
            if q["requested_by"] and q["requested_by"] == me
            else "折扣超过 20%，需管理员（总监）审批"
            if q["approval_level"] == "director" and role != "director"
            else ""
        )
    return {"pending": pending, "decided": decided, "me": me, "role": role, "L": labels}
