"""群SOP pages: plan list, builder (create/edit), 30-day preview, delivery stats, calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from admin.api import sop as sop_api
from admin.web.render import current, page
from livecode.common import local_now
from scrm.enums import GroupStatus
from scrm.ints import parse_id
from scrm.models import Corp, GroupChat, Material, SopPlan, Staff
from scrm.services.materials import KIND_LABELS
from scrm.sop import materialize

routes = web.RouteTableDef()
ROLE = "ops"
STATUS_LABELS = {"active": "进行中", "paused": "已暂停"}


async def corp_of(request: web.Request) -> Corp:
    """The person's corp (the bootstrap admin has none bound: the first active corp)."""
    who = current(request)
    corp = await Corp.get_or_none(id=who.corp_pk) if who.corp_pk else None
    corp = corp or await Corp.filter(active=True).first()
    if corp is None:
        raise web.HTTPNotFound(text="还没有企业")
    return corp


async def staff_names(corp: Corp) -> dict[str, str]:
    rows = await Staff.filter(corp_id=corp.id, active=True).order_by("userid")
    return {s.userid: s.name or s.userid for s in rows}


def target_summary(target: dict[str, Any], names: dict[str, str]) -> list[str]:
    """The plan's target rule in words, one part per criterion."""
    parts = []
    if target.get("owners"):
        parts.append("群主：" + "、".join(names.get(u, u) for u in target["owners"]))
    if target.get("tags"):
        parts.append("群标签：" + "、".join(target["tags"]))
    if target.get("name_pattern"):
        parts.append("群名匹配：" + target["name_pattern"])
    if target.get("chat_ids"):
        parts.append(f"指定群 {len(target['chat_ids'])} 个")
    return parts


def row_id(request: web.Request) -> int:
    """The `{id}` of the URL; one past the database's 64-bit ids is simply not found (0)."""
    return parse_id(request.match_info["id"]) or 0


async def _plan(request: web.Request, corp: Corp) -> SopPlan:
    plan = await SopPlan.get_or_none(id=row_id(request), corp_id=corp.id)
    if plan is None:
        raise web.HTTPNotFound(text="没有这个计划")
    return plan


def plan_json(plan: SopPlan) -> dict[str, Any]:
    """The plan as the builder edits it (the API's PlanSpec fields)."""
    return {
        "id": plan.id,
        "name": plan.name,
        "version": plan.version,
        "status": plan.status,
        "target": plan.target,
        "steps": plan.steps,
        "remind_after_minutes": plan.remind_after_minutes,
        "escalate_after_minutes": plan.escalate_after_minutes,
        "expire_after_hours": plan.expire_after_hours,
    }


@routes.get("/admin/sop", name="sop_list")
@page("sop_list.html", nav="sop", title="群SOP", role=ROLE)
async def plan_list(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    names = await staff_names(corp)
    plans = await SopPlan.filter(corp_id=corp.id, kind="group").order_by("-id")
    now = datetime.now(UTC)
    # The next due time is computed (rows are only written two days ahead).
    upcoming = await sop_api.forecast(corp, now, now + timedelta(days=30), None)
    next_due: dict[int, datetime] = {}
    for run in upcoming:
        if run["plan_id"] not in next_due or run["due_at"] < next_due[run["plan_id"]]:
            next_due[run["plan_id"]] = run["due_at"]
    chats = await GroupChat.filter(corp_id=corp.id, status=GroupStatus.ACTIVE)
    rows = [
        {
            "plan": p,
            "status_label": STATUS_LABELS.get(p.status, p.status),
            "target": target_summary(p.target, names),
            "groups": sum(materialize.matches(p.target, c) for c in chats),
            "next_due": next_due.get(p.id),
        }
        for p in plans
    ]
    return {"rows": rows, "tab": "plans"}


async def _builder(request: web.Request, plan: SopPlan | None) -> dict[str, Any]:
    corp = await corp_of(request)
    rows = await GroupChat.filter(corp_id=corp.id).values_list("tags", flat=True)
    tags = sorted({tag for row in rows for tag in row})
    mats = await Material.filter(corp_id=corp.id).order_by("category", "title").limit(1000)
    return {
        "materials": [
            {"id": m.id, "label": f"{KIND_LABELS.get(m.kind, m.kind)} · {m.title}"} for m in mats
        ],
        "plan": plan_json(plan) if plan else None,
        "staff": await staff_names(corp),
        "known_tags": tags,
        "tab": "plans",
    }


@routes.get("/admin/sop/new", name="sop_new")
@page("sop_builder.html", nav="sop", title="新建群SOP", role=ROLE)
async def plan_new(request: web.Request) -> dict[str, Any]:
    return await _builder(request, None)


@routes.get(r"/admin/sop/{id:\d+}/edit", name="sop_edit")
@page("sop_builder.html", nav="sop", title="编辑群SOP", role=ROLE)
async def plan_edit(request: web.Request) -> dict[str, Any]:
    return await _builder(request, await _plan(request, await corp_of(request)))


@routes.get(r"/admin/sop/{id:\d+}/preview", name="sop_preview")
@page("sop_preview.html", nav="sop", title="未来 30 天预览", role=ROLE)
async def plan_preview(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    plan = await _plan(request, corp)
    names = await staff_names(corp)
    return {
        "plan": plan_json(plan),
        "staff": names,
        "target": target_summary(plan.target, names),
        "tab": "plans",
    }


@routes.get(r"/admin/sop/{id:\d+}/stats", name="sop_stats")
@page("sop_stats.html", nav="sop", title="发送统计", role=ROLE)
async def plan_stats(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    return {"plan": plan_json(await _plan(request, corp)), "tab": "plans"}


@routes.get("/admin/sop/calendar", name="sop_calendar")
@page("sop_calendar.html", nav="sop", title="群SOP日历", role=ROLE)
async def plan_calendar(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    owners = current(request).owners()
    chats = GroupChat.filter(corp_id=corp.id)
    if owners is not None:
        chats = chats.filter(owner_userid__in=owners)
    plans = await SopPlan.filter(corp_id=corp.id).values_list("id", "name")
    return {
        "today": local_now(corp).date().isoformat(),
        "plans": {str(i): n for i, n in plans},
        "chats": dict(await chats.values_list("chat_id", "name")),
        "staff": await staff_names(corp),
        "tab": "calendar",
    }
