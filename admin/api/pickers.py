"""`/api/v1/pickers/{kind}`: search-as-you-type for the admin forms' pickers (members,
departments, tags, leads, customers, live codes, materials) — names shown, ids sent.

Each answer is at most `limit` (≤ 50) `{id, label, hint}` rows. `?q=` (≤ 64 characters)
matches names; `?ids=a,b` (≤ 100) names ids a form already holds. What a caller may see is
what the lists show them: members, leads and customers in their scope (staff: their own;
managers: their team; ops and admin: everyone), live codes and departments for ops and up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from tortoise.expressions import Q

from admin.api.auth import actor, require
from admin.api.common import corp_for, error, ok, query_int
from admin.api.openapi import API
from scrm import phones
from scrm.models import Corp, Customer, FollowRelation, Lead, Material, Staff, Tag
from scrm.models.livecode import LiveCode
from scrm.services import department_names, display_names
from scrm.services import leads as lead_service

TAG = "pickers"
MAX_Q = 64
MAX_IDS = 100
Row = dict[str, str]
Finder = Callable[[web.Request, Corp, str, list[str], int], Awaitable[list[Row]]]
MATERIAL_KINDS = {
    "text": "文本", "image": "图片", "link": "链接", "miniprogram": "小程序", "file": "文件",
    "video": "视频", "poster": "海报",
}  # fmt: skip


def _row(id_: object, label: str, hint: str = "") -> Row:
    return {"id": str(id_), "label": label, "hint": hint}


def _staff_scope(request: web.Request) -> Q:
    owners = actor(request).owners()
    return Q() if owners is None else Q(userid__in=owners)


async def members(
    request: web.Request, corp: Corp, q: str, ids: list[str], limit: int
) -> list[Row]:
    rows = Staff.filter(_staff_scope(request), corp_id=corp.id, active=True)
    if ids:
        rows = rows.filter(userid__in=ids)
    elif q:
        rows = rows.filter(Q(name__icontains=q) | Q(userid__icontains=q))
    found = await rows.order_by("name", "userid").limit(limit)
    return [_row(s.userid, s.name or s.userid, s.userid) for s in found]


async def departments(
    request: web.Request, corp: Corp, q: str, ids: list[str], limit: int
) -> list[Row]:
    """Departments by their WeCom names (mirrored by the staff sync; 「部门 3」 until then),
    with the members in each as the hint; `q` matches a name, an id or a member's name.
    Listed: every named department and every department a member is in."""
    require(request, "ops")
    staff = (
        await Staff.filter(corp_id=corp.id, active=True)
        .order_by("name")
        .values("name", "userid", "department_ids")
    )
    known = await department_names.names(corp.id)
    by_dept: dict[int, list[str]] = {d: [] for d in known}
    for s in staff:
        for d in s["department_ids"] or []:
            by_dept.setdefault(int(d), []).append(s["name"] or s["userid"])
    for i in ids:  # a form's id nobody is in any more is still named, 「部门 12」
        if i.isdigit() and len(i) < 10:
            by_dept.setdefault(int(i), [])
    out: list[Row] = []
    for dept, people in sorted(by_dept.items()):
        label = department_names.label(dept, known)
        if ids and str(dept) not in ids:
            continue
        if q and not ids and q != str(dept) and q not in label and not any(q in n for n in people):
            continue
        more = f" 等 {len(people)} 人" if len(people) > 3 else ""
        hint = f"{len(people)} 名成员" + (f"：{'、'.join(people[:3])}{more}" if people else "")
        out.append(_row(dept, label, hint))
    return out[:limit]


async def tags(request: web.Request, corp: Corp, q: str, ids: list[str], limit: int) -> list[Row]:
    rows = Tag.filter(corp_id=corp.id, deleted=False)
    if ids:
        rows = rows.filter(tag_id__in=ids)
    elif q:
        rows = rows.filter(name__icontains=q)
    found = await rows.order_by("group_id", "order", "id").limit(limit).prefetch_related("group")
    return [_row(t.tag_id, t.name or t.tag_id, t.group.name if t.group else "") for t in found]


async def leads(request: web.Request, corp: Corp, q: str, ids: list[str], limit: int) -> list[Row]:
    """Leads by name, or by a whole phone number (phones are only stored encrypted, found by
    their blind index); shown with the masked phone, never the number."""
    rows = Lead.filter(corp_id=corp.id, merged_into_id=None)
    owners = actor(request).owners()
    if owners is not None:
        rows = rows.filter(Q(owner_userid__in=owners) | Q(in_pool=True))
    if ids:
        rows = rows.filter(id__in=[int(i) for i in ids if i.isdigit() and len(i) < 19])
    elif q:
        index = lead_service.phone_index(q) if phones.looks_like_phone(q) else None
        named = Q(name__icontains=q) | Q(customer__name__icontains=q)
        rows = rows.filter((named | Q(phone_index=index)) if index else named)
    found = await rows.order_by("-score", "-id").limit(limit)
    people = await display_names.leads(corp.id, found)
    owners_named = await _member_names(corp, [x.owner_userid for x in found])
    return [
        _row(
            x.id,
            people[x.id].name or f"未命名线索 #{x.id}",
            " · ".join(
                p
                for p in (
                    phones.mask(x.phone) if x.phone else "",
                    "公海" if x.in_pool else owners_named.get(x.owner_userid, x.owner_userid),
                    f"{x.grade} 级",
                )
                if p
            ),
        )
        for x in found
    ]


async def _member_names(corp: Corp, userids: list[str]) -> dict[str, str]:
    rows = await Staff.filter(corp_id=corp.id, userid__in=[u for u in userids if u]).values(
        "userid", "name"
    )
    return {r["userid"]: r["name"] or r["userid"] for r in rows}


async def customers(
    request: web.Request, corp: Corp, q: str, ids: list[str], limit: int
) -> list[Row]:
    rows = Customer.filter(corp_id=corp.id)
    owners = actor(request).owners()
    if owners is not None:
        served = FollowRelation.filter(corp_id=corp.id, staff__userid__in=owners)
        rows = rows.filter(id__in=await served.values_list("customer_id", flat=True))
    if ids:
        rows = rows.filter(external_userid__in=ids)
    elif q:
        remarked = FollowRelation.filter(corp_id=corp.id, remark__icontains=q)
        rows = rows.filter(
            Q(name__icontains=q) | Q(id__in=await remarked.values_list("customer_id", flat=True))
        )
    found = (
        await rows.order_by("-last_activity_at", "-id")
        .limit(limit)
        .values_list("external_userid", "corp_name")
    )
    people = await display_names.customers(corp.id, [str(ext) for ext, _ in found])
    return [_row(ext, people[str(ext)].name, str(company or "")) for ext, company in found]


async def livecodes(
    request: web.Request, corp: Corp, q: str, ids: list[str], limit: int
) -> list[Row]:
    require(request, "ops")
    rows = LiveCode.filter(corp_id=corp.id)
    if ids:
        rows = rows.filter(id__in=[int(i) for i in ids if i.isdigit() and len(i) < 19])
    elif q:
        rows = rows.filter(Q(name__icontains=q) | Q(channel__icontains=q))
    found = await rows.order_by("-id").limit(limit)
    return [_row(c.id, c.name, c.channel) for c in found]


async def materials(
    request: web.Request, corp: Corp, q: str, ids: list[str], limit: int
) -> list[Row]:
    rows = Material.filter(corp_id=corp.id)
    if ids:
        rows = rows.filter(id__in=[int(i) for i in ids if i.isdigit() and len(i) < 19])
    elif q:
        rows = rows.filter(Q(title__icontains=q) | Q(category__icontains=q))
    found = await rows.order_by("-uses", "-id").limit(limit)
    return [_row(m.id, m.title, MATERIAL_KINDS.get(m.kind, m.kind)) for m in found]


FINDERS: dict[str, Finder] = {
    "members": members,
    "departments": departments,
    "tags": tags,
    "leads": leads,
    "customers": customers,
    "livecodes": livecodes,
    "materials": materials,
}


@API.route(
    "GET",
    "/api/v1/pickers/{kind}",
    "Search members, departments, tags, leads, customers, livecodes or materials by name",
    tag=TAG,
    statuses={
        403: "departments and livecodes need the ops role",
        404: "unknown kind",
    },
)
async def pick(request: web.Request) -> web.Response:
    find = FINDERS.get(request.match_info["kind"])
    if find is None:
        return error(404, "没有这种选择器")
    q = request.query.get("q", "").strip()
    if len(q) > MAX_Q:
        return error(422, f"搜索词最多 {MAX_Q} 个字符")
    ids = [i.strip() for i in request.query.get("ids", "").split(",") if i.strip()]
    if len(ids) > MAX_IDS or any(len(i) > 64 for i in ids):
        return error(422, f"最多 {MAX_IDS} 个编号")
    limit = query_int(request, "limit", 20, 1, 50)
    corp = await corp_for(request)
    rows: list[dict[str, Any]] = list(await find(request, corp, q, ids, limit))
    return ok(rows)
