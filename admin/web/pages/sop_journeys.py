"""客户SOP pages: journey list, detail (stats per node, preview), the visual builder
(create/edit; journey-builder.js) with JSON import and export."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from admin.api.deal_labels import stage as stage_label
from admin.web.pages.sop_plans import ROLE, STATUS_LABELS, corp_of, row_id, staff_names
from admin.web.render import page
from scrm.infra import clock
from scrm.models import Corp, Journey, JourneyRun, Segment, Stage, Tag
from scrm.services import display_names
from scrm.sop.journey_schema import Node, Trigger
from scrm.sop.variables import JOURNEY_VARS

routes = web.RouteTableDef()

TRIGGERS = {
    "livecode_add": "通过渠道活码添加",
    "grade_reached": "线索评级达到",
    "tag_added": "被打上标签",
    "stage_changed": "商机进入阶段",
    "date": "日期临近（生日/合同周年）",
    "attribute": "线索属性匹配",
    "segment": "进入客户分群",
}
NODE_KINDS = {
    "wait": "等待",
    "send": "发消息给客户",
    "remind": "提醒员工",
    "tag": "打标签",
    "branch": "条件分支",
    "task": "创建任务",
    "webhook": "Webhook",
    "exit": "退出",
}
# A starting point for the JSON editor: every field the API takes, with sensible values.
TEMPLATE: dict[str, Any] = {
    "name": "新客七天培育",
    "trigger": {"kind": "livecode_add", "code_ids": [], "reentry": False},
    "nodes": [
        {"id": "w1", "kind": "wait", "minutes": 60, "next": "s1"},
        {
            "id": "s1",
            "kind": "send",
            "text": "{客户昵称}您好，我是{员工姓名}，这是新人资料",
            "next": "w2",
        },
        {"id": "w2", "kind": "wait", "minutes": 1440, "next": "b1"},
        {"id": "b1", "kind": "branch", "if_grades": ["S", "A"], "next": "t1", "otherwise": "s2"},
        {"id": "t1", "kind": "task", "title": "电话跟进高意向客户"},
        {"id": "s2", "kind": "send", "text": "{日期}{星期}，给您再分享一份案例", "next": "r1"},
        {"id": "r1", "kind": "remind", "text": "记得回访这位客户"},
    ],
    "per_day_cap": 1,
    "per_week_cap": 3,
    "quiet_start": "21:00",
    "quiet_end": "08:00",
    "exit_tags": [],
    "send_window_minutes": 1,
}
# What the journey log records per node (scrm/sop/journey_batch.py), as the detail page names it.
ACTIONS = [
    ("sent", "已发送"), ("capped", "超频跳过"), ("quiet", "免打扰顺延"), ("reminded", "已提醒"),
    ("tagged", "已打标签"), ("branch", "分支判断"), ("task", "已建任务"), ("webhook", "Webhook"),
    ("exit", "退出"),
]  # fmt: skip
SPEC_FIELDS = (
    "name", "trigger", "nodes", "per_day_cap", "per_week_cap", "quiet_start", "quiet_end",
    "exit_tags", "send_window_minutes",
)  # fmt: skip


async def _journey(request: web.Request, corp: Corp) -> Journey:
    j = await Journey.get_or_none(id=row_id(request), corp_id=corp.id)
    if j is None:
        raise web.HTTPNotFound(text="没有这个旅程")
    return j


def pretty(spec: dict[str, Any]) -> str:
    """JSON for the editor, keys in the order people read them (not sorted)."""
    return json.dumps(spec, ensure_ascii=False, indent=2)


def spec_of(j: Journey) -> dict[str, Any]:
    """The journey as the JSON editor shows it: what PUT /api/v1/journeys/{id} takes, with the
    trigger's and nodes' default values left out (stored rows carry every field)."""
    spec = {name: getattr(j, name) for name in SPEC_FIELDS}
    spec["trigger"] = _lean(Trigger, j.trigger)
    spec["nodes"] = [_lean(Node, n) for n in j.nodes]
    return spec


def _lean(model: type[BaseModel], raw: dict[str, Any]) -> dict[str, Any]:
    try:
        return model.model_validate(raw).model_dump(mode="json", exclude_defaults=True)
    except ValidationError:  # a row older than today's rules: shown as stored, to be fixed
        return raw


def _minutes(n: int) -> str:
    for size, unit in ((1440, "天"), (60, "小时")):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} 分钟"


def node_summary(n: dict[str, Any], tags: dict[str, str] | None = None) -> str:
    """What a node does, in a few words, for the detail page's table (tags by name)."""
    kind = n["kind"]
    named = (tags or {}).get
    if kind == "wait":
        return "等待 " + _minutes(n.get("minutes", 0))
    if kind == "branch":
        if n.get("if_tag"):
            return f"客户有标签 {named(n['if_tag'], n['if_tag'])}"
        if n.get("if_activity"):
            return f"{n.get('within_days', 7)} 天内有行为 {n['if_activity']}"
        return "线索评级为 " + "、".join(n.get("if_grades", []))
    if kind == "tag":
        add = "、".join(named(t, t) for t in n.get("add_tags", []))
        remove = "、".join(named(t, t) for t in n.get("remove_tags", []))
        parts = [f"添加 {add}" if add else "", f"移除 {remove}" if remove else ""]
        return "；".join(p for p in parts if p)
    return str(n.get("text") or n.get("title") or n.get("url") or "")


@routes.get("/admin/journeys", name="journey_list")
@page("journeys_list.html", nav="sop", title="客户SOP（客户旅程）", role=ROLE)
async def journey_list(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    journeys = await Journey.filter(corp_id=corp.id).order_by("-id")
    on = Counter(
        await JourneyRun.filter(
            journey__corp_id=corp.id, status__in=("active", "running")
        ).values_list("journey_id", flat=True)
    )
    rows = [
        {
            "j": j,
            "status_label": STATUS_LABELS.get(j.status, j.status),
            "trigger": TRIGGERS.get(j.trigger.get("kind", ""), j.trigger.get("kind", "")),
            "nodes": len(j.nodes),
            "customers": on.get(j.id, 0),
        }
        for j in journeys
    ]
    return {"rows": rows, "tab": "journeys"}


@routes.get(r"/admin/journeys/{id:\d+}", name="journey_detail")
@page("journeys_detail.html", nav="sop", title="客户旅程", role=ROLE)
async def journey_detail(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    j = await _journey(request, corp)
    waiting = JourneyRun.filter(journey_id=j.id, status="active").order_by("due_at").limit(200)
    ids = await waiting.values_list("external_userid", flat=True)
    people = await display_names.customers(corp.id, [str(e) for e in ids])
    tags = dict(
        await Tag.filter(corp_id=corp.id).values_list("tag_id", "name")
    )  # a corp holds hundreds of tags at most
    return {
        "customers": {ext: p.name for ext, p in people.items()},
        "j": j,
        "title": f"客户旅程：{j.name}",
        "status_label": STATUS_LABELS.get(j.status, j.status),
        "trigger": TRIGGERS.get(j.trigger.get("kind", ""), ""),
        "nodes": [
            {
                **n,
                "kind_label": NODE_KINDS.get(n["kind"], n["kind"]),
                "summary": node_summary(n, tags),
            }
            for n in j.nodes
        ],
        "timezone": clock.zone(corp.timezone).key,
        "staff": await staff_names(corp),
        "actions": ACTIONS,
        "tab": "journeys",
    }


# Lead behaviours a branch can test (lead_activity kinds), offered by name in the builder.
ACTIVITIES = {
    "link_open": "打开雷达链接", "followup": "员工跟进", "wecom_add": "添加企业微信",
    "group": "加入客户群", "intake": "再次留资", "claim": "被领取",
}  # fmt: skip
DATE_FIELDS = {"birthday": "生日", "contract_renewal": "合同周年"}


async def builder_context(corp: Corp) -> dict[str, Any]:
    """What the builder offers by name: stages, segments, node kinds, triggers, variables."""
    stages = (
        await Stage.filter(corp_id=corp.id).order_by("sequence").values_list("name", flat=True)
    )
    segments = await Segment.filter(corp_id=corp.id).order_by("name").values("id", "name")
    return {
        "builder": {
            "triggers": TRIGGERS,
            "kinds": NODE_KINDS,
            "stages": {str(n): stage_label(str(n)) for n in stages},
            "segments": {str(s["id"]): s["name"] for s in segments},
            "activities": ACTIVITIES,
            "date_fields": DATE_FIELDS,
            "variables": list(JOURNEY_VARS),
        }
    }


@routes.get("/admin/journeys/new", name="journey_new")
@page("journeys_edit.html", nav="sop", title="新建客户旅程", role=ROLE)
async def journey_new(request: web.Request) -> dict[str, Any]:
    return {
        **await builder_context(await corp_of(request)),
        "journey": None,
        "spec": pretty(TEMPLATE),
        "template": pretty(TEMPLATE),
        "tab": "journeys",
    }


@routes.get(r"/admin/journeys/{id:\d+}/edit", name="journey_edit")
@page("journeys_edit.html", nav="sop", title="编辑客户旅程", role=ROLE)
async def journey_edit(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    j = await _journey(request, corp)
    return {
        **await builder_context(corp),
        "journey": j,
        "spec": pretty(spec_of(j)),
        "template": pretty(TEMPLATE),
        "tab": "journeys",
    }
