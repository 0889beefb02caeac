"""渠道活码 pages: the list, the create/edit form, and a code's poster and statistics."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from admin.api.posters import poster_staff_name
from admin.web.pages import groupcodes
from admin.web.pages.groupcodes import corp_of
from admin.web.render import page
from livecode import poster
from livecode.common import local_now, members_of
from livecode.schemas import LiveCodeSpec, MemberSpec
from livecode.stats import code_stats
from livecode.welcome import ALIASES
from scrm.infra import keys
from scrm.ints import parse_id
from scrm.models import Corp, Material, Staff, Tag
from scrm.models.livecode import LiveCode, LiveCodeAdd, LiveCodeMember
from scrm.services.materials import KIND_LABELS

routes = web.RouteTableDef()
STRATEGIES = {
    "round_robin": "轮流分配",
    "weighted": "按权重分配",
    "least_loaded": "优先分给今日最少的成员",
    "native": "企业微信原生（多人码）",
}
STATUSES = {"active": "启用", "paused": "已暂停", "exhausted": "额满", "expired": "已过期"}
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


async def staff_names(corp: Corp) -> dict[str, str]:
    rows = await Staff.filter(corp_id=corp.id).values_list("userid", "name")
    return {userid: name or userid for userid, name in rows}


async def _code(request: web.Request, corp: Corp) -> LiveCode:
    raw = request.match_info["id"]
    code = await LiveCode.get_or_none(id=parse_id(raw) or 0, corp_id=corp.id, active=True)
    if code is None:
        raise web.HTTPNotFound(text="没有这个活码")
    return code


@routes.get("/admin/livecodes", name="livecodes")
@page("livecodes_list.html", nav="livecodes", title="渠道活码", role="ops")
async def list_codes(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    codes = await LiveCode.filter(corp_id=corp.id, active=True).order_by("-id")
    members = await LiveCodeMember.filter(code_id__in=[c.id for c in codes]).order_by("id")
    today = local_now(corp).date()
    adds = Counter(
        await LiveCodeAdd.filter(corp_id=corp.id, day=today).values_list("code_id", flat=True)
    )
    names = await staff_names(corp)
    rows = [
        {
            "code": c,
            "members": [
                {"name": names.get(m.userid, m.userid), "backup": m.backup, "online": m.online}
                for m in members
                if m.code_id == c.id  # type: ignore[attr-defined]
            ],
            "adds_today": adds[c.id],
        }
        for c in codes
    ]
    return {"rows": rows, "strategies": STRATEGIES, "statuses": STATUSES}


def _spec_of(code: LiveCode, members: list[LiveCodeMember]) -> dict[str, Any]:
    """The code as the body PUT /api/v1/livecodes/{id} takes, so fields the form does not
    show (departments, special dates, variants' attachments …) survive an edit."""
    spec = {
        name: getattr(code, name)
        for name in LiveCodeSpec.model_fields
        if name not in ("members", "state")
    }
    spec["expires_at"] = code.expires_at.isoformat() if code.expires_at else None
    spec["members"] = [
        MemberSpec.model_validate(m, from_attributes=True).model_dump() for m in members
    ]
    return spec


def _defaults() -> dict[str, Any]:
    fields = LiveCodeSpec.model_fields.items()
    spec = {k: f.get_default(call_default_factory=True) for k, f in fields if k != "state"}
    spec["name"] = ""
    return spec


async def _form(request: web.Request, code: LiveCode | None) -> dict[str, Any]:
    corp = await corp_of(request)
    local = local_now(corp)
    offset = local.strftime("%z")
    expires = ""
    if code is not None and code.expires_at is not None:
        at = code.expires_at
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        expires = at.astimezone(local.tzinfo).strftime("%Y-%m-%dT%H:%M")
    staff = await Staff.filter(corp_id=corp.id, active=True).order_by("userid")
    tags = await Tag.filter(corp_id=corp.id, deleted=False).order_by("order", "id")
    groups = dict(await Tag.filter(corp_id=corp.id).values_list("id", "group__name"))
    spec = _spec_of(code, await members_of(code)) if code else _defaults()
    mats = await Material.filter(corp_id=corp.id).order_by("category", "title").limit(1000)
    return {
        "materials": [
            {"id": m.id, "label": f"{KIND_LABELS.get(m.kind, m.kind)} · {m.title}"} for m in mats
        ],
        "code": code,
        "title": f"编辑活码 · {code.name}" if code else "新建渠道活码",
        "staff": [{"userid": s.userid, "name": s.name or s.userid} for s in staff],
        "tags": [{"id": t.tag_id, "name": t.name, "group": groups.get(t.id) or ""} for t in tags],
        "strategies": STRATEGIES,
        "corp_name": corp.name if corp.name != corp.corp_id else "",  # never the raw id
        "weekdays": WEEKDAYS,
        "variables": [name for name in ALIASES if name != "原跟进人"],
        "form": {
            "id": code.id if code else None,
            "spec": spec,
            "expires_local": expires,
            # The corp's UTC offset now: expiry is typed in the corp's wall-clock time.
            "offset": f"{offset[:3]}:{offset[3:]}",
        },
    }


@routes.get("/admin/livecodes/new", name="livecode_new")
@page("livecodes_form.html", nav="livecodes", title="新建渠道活码", role="ops")
async def new_code(request: web.Request) -> dict[str, Any]:
    return await _form(request, None)


@routes.get(r"/admin/livecodes/{id:\d{1,18}}/edit", name="livecode_edit")
@page("livecodes_form.html", nav="livecodes", title="编辑活码", role="ops")
async def edit_code(request: web.Request) -> dict[str, Any]:
    return await _form(request, await _code(request, await corp_of(request)))


def _charts(days: list[Any], native: bool) -> dict[str, Any]:
    labels = [d.day.strftime("%m-%d") for d in days]
    trend = [
        {"label": "新增", "data": [d.adds for d in days]},
        {"label": "流失", "data": [d.losses for d in days]},
    ]
    if not native:  # WeCom alone sees a native code's scans
        trend.insert(0, {"label": "扫码", "data": [d.scans or 0 for d in days]})
    welcome = [
        {"label": "发送成功", "data": [d.welcome_sent for d in days]},
        {"label": "失败/超时", "data": [d.welcome_failed for d in days]},
        {"label": "其他", "data": [d.welcome_other for d in days]},
    ]
    return {
        "trend": {"type": "line", "labels": labels, "series": trend},
        "welcome": {"type": "bar", "labels": labels, "series": welcome},
    }


@routes.get(r"/admin/livecodes/{id:\d{1,18}}", name="livecode")
@page("livecodes_detail.html", nav="livecodes", title="活码详情", role="ops")
async def detail(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    code = await _code(request, corp)
    days = 30 if request.query.get("days") == "30" else 7
    stats = await code_stats(code, request.config_dict[keys.ARQ], local_now(corp).date(), days)
    names = await staff_names(corp)
    updated = code.updated_at or datetime.now(UTC)
    template = poster.PosterTemplate.model_validate(code.poster)
    return {
        "title": f"活码详情 · {code.name}",
        "code": code,
        "days": days,
        "stats": stats,
        "totals": {
            "scans": sum(d.scans or 0 for d in stats.days),
            "adds": sum(d.adds for d in stats.days),
            "sent": sum(d.welcome_sent for d in stats.days),
            "failed": sum(d.welcome_failed for d in stats.days),
        },
        "charts": _charts(stats.days, code.strategy == "native"),
        "names": names,
        "strategies": STRATEGIES,
        "statuses": STATUSES,
        "template": template,
        "poster_sizes": _sizes(template),
        "poster_staff": await poster_staff_name(code),
        # The poster URL changes with the code, so an edit is never hidden by the browser cache.
        "version": int(updated.timestamp() * 1_000_000),
    }


POSTER_SIZES = [
    (750, 1334, "手机竖版 750×1334"),
    (1080, 1080, "方形 1080×1080"),
    (750, 1000, "短竖版 750×1000"),
]


def _sizes(template: poster.PosterTemplate) -> list[tuple[int, int, str]]:
    """The designer's size choices, with the stored one kept when it is not among them."""
    mine = (template.width, template.height)
    if any((w, h) == mine for w, h, _ in POSTER_SIZES):
        return POSTER_SIZES
    return [*POSTER_SIZES, (*mine, f"当前 {mine[0]}×{mine[1]}")]


# The 群活码 pages live in their own module; the app registers only this module's table.
for _route in groupcodes.routes:
    assert isinstance(_route, web.RouteDef)
    routes.route(_route.method, _route.path, **_route.kwargs)(_route.handler)
