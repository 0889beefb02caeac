"""Admin pages: 客户 — the customer list with filters, and the 360° page of one customer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from admin.api import customer_query
from admin.web.pages.leads import LEAD_STATUS
from admin.web.render import base_context, current, page
from scrm import labels
from scrm.ints import parse_int
from scrm.models import Corp, Staff
from scrm.services import timeline

routes = web.RouteTableDef()
# The timeline's kinds, as the page names them.
KIND_LABELS = {
    "wecom.added": "添加好友",
    "wecom.customer_deleted": "客户删除了员工",
    "wecom.staff_deleted": "员工删除了客户",
    "wecom.transferred": "客户被转接",
    "group.joined": "加入群聊",
    "group.left": "退出群聊",
    "deal.stage": "商机阶段变更",
    "followup": "跟进记录",
    "task": "待办任务",
    "lead.intake": "线索进入",
    "lead.duplicate_intake": "线索重复进入",
    "lead.assign": "线索分配",
    "lead.claim": "从公海领取",
    "lead.to_pool": "进入公海",
    "lead.recycle": "回收到公海",
    "lead.followup": "线索跟进",
    "lead.merge": "线索合并",
    "lead.unmerge": "撤销合并",
    "lead.link_open": "打开雷达链接（行为加分）",
    "radar.open": "打开雷达链接",
}


async def _corp(request: web.Request) -> Corp | None:
    who = current(request)
    if who.corp_pk:
        return await Corp.get_or_none(id=who.corp_pk)
    return await Corp.filter(active=True).first()


def _page_number(raw: str) -> int:
    return parse_int(raw, 1, 1_000_000) or 1


@routes.get("/admin/customers", name="customers")
@page("customers_list.html", nav="customers", title="客户")
async def customer_list(request: web.Request) -> dict[str, Any]:
    corp = await _corp(request)
    if corp is None:
        return {"corp": None}
    owners = current(request).owners()
    query = request.query
    filters = customer_query.Filters(
        tag=query.get("tag", "").strip(),
        owner=query.get("owner", "").strip(),
        channel=query.get("channel", "").strip(),
        q=query.get("q", "").strip()[:64],
        page=_page_number(query.get("page", "1")),
    )
    found = await customer_query.list_customers(corp.id, owners, filters)
    pages = max(1, -(-found["total"] // filters.per_page))
    kept = {k: v for k, v in vars(filters).items() if v and k not in ("page", "per_page")}
    return {
        "corp": corp,
        "filters": filters,
        "found": found,
        "pages": pages,
        "options": await customer_query.options(corp.id, owners),
        "prev_url": f"?{urlencode({**kept, 'page': filters.page - 1})}",
        "next_url": f"?{urlencode({**kept, 'page': filters.page + 1})}",
    }


@routes.get("/admin/customers/{external_userid}", name="customer")
@page("customers_detail.html", nav="customers", title="客户 360°")
async def customer_detail(request: web.Request) -> dict[str, Any]:
    corp = await _corp(request)
    who = current(request)
    ext = request.match_info["external_userid"]
    found = None if corp is None else await customer_query.detail(corp.id, who.owners(), ext)
    if corp is None or found is None:
        # Absent and out of scope look the same, so a guessed id learns nothing.
        context = {**await base_context(request), "title": "客户不存在", "nav": "customers"}
        html = aiohttp_jinja2.render_string("customers_missing.html", request, context)
        raise web.HTTPNotFound(text=html, content_type="text/html")
    history = await timeline.for_customer(corp.id, ext)
    items = [
        {
            **i,
            "label": KIND_LABELS.get(i["kind"]) or labels.label(i["kind"], "event"),
            "to": labels.label(i.get("to"), "stage") if i.get("to") else "",
        }
        for i in history["timeline"]
    ]
    # Whom a follow-up is written as: yourself; admins without a WeCom id pick an owner.
    writers = [who.userid] if who.userid else [o["userid"] for o in found["owners"]]
    return {
        "title": f"客户 360° · {found['display_name']}",
        "customer": found,
        "timeline": list(reversed(items)),  # newest first
        "writers": writers,
        "lead_status": LEAD_STATUS,
        "staff_names": dict(await Staff.filter(corp_id=corp.id).values_list("userid", "name")),
    }
