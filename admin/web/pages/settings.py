"""设置 pages: corps, members with their sync, tags; rules, logins and the audit log live in
the settings_* modules, whose views join the same route table."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from tortoise.expressions import Q

from admin.api.admin_settings_corps import corp_out, visible_corps
from admin.api.admin_settings_tags import groups_out
from admin.web.pages import (  # noqa: F401
    settings_audit,
    settings_rules,
    settings_stages,
    settings_users,
)
from admin.web.pages.settings_common import base, corp_of, local, routes
from admin.web.render import page
from scrm.infra import keys
from scrm.ints import parse_int
from scrm.models import Corp, Staff, SyncRun
from scrm.services import department_names

__all__ = ["routes"]
STAFF_PAGE = 100
SYNC_STATUS = {"done": "已完成", "failed": "失败", "running": "进行中", "interrupted": "已中断"}
SYNC_KINDS = (
    ("staff", "成员"),
    ("tags", "标签"),
    ("customers", "客户"),
    ("relations", "好友关系"),
    ("groups", "客户群"),
    ("members", "群成员"),
)


def sync_view(run: SyncRun, corp: Corp) -> dict[str, Any]:
    """The last sync as the corps page shows it: when, how it ended, counts per kind."""
    zero = {"added": 0, "changed": 0, "ended": 0}
    return {
        "at": local(run.created_at, corp),
        "status": SYNC_STATUS.get(run.status, run.status),
        "failed": run.status == "failed",
        "seconds": round(run.duration_ms / 1000, 1),
        "api_calls": run.api_calls,
        "rows": run.rows_written,
        "kinds": [(label, run.counts.get(k, zero)) for k, label in SYNC_KINDS if k in run.counts],
        "errors": run.errors,
    }


@routes.get("/admin/settings", name="settings")
@page("settings_corps.html", nav="settings", title="设置 · 企业", role="admin")
async def corps(request: web.Request) -> dict[str, Any]:
    public = request.config_dict[keys.SETTINGS].public_url or str(request.url.origin())
    rows = []
    for corp in await visible_corps(request):
        row = corp_out(corp)
        row["callback_url"] = public.rstrip("/") + row["callback_path"]
        last = await SyncRun.filter(corp_id=corp.id).order_by("-id").first()
        row["last_sync"] = sync_view(last, corp) if last is not None else None
        rows.append(row)
    hour = request.config_dict[keys.SETTINGS].sync_hour
    return base("corps", await corp_of(request), corps=rows, sync_hour=hour)


def _page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return parse_int(raw, 1, 10_000) or 1


@routes.get("/admin/settings/staff")
@page("settings_staff.html", nav="settings", title="设置 · 成员", role="admin")
async def staff(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    if corp is None:
        return base("staff", None)
    q = Staff.filter(corp_id=corp.id)
    status = request.query.get("active", "")
    if status in ("1", "0"):
        q = q.filter(active=status == "1")
    text = request.query.get("q", "").strip()[:64]
    if text:
        q = q.filter(Q(name__icontains=text) | Q(userid__icontains=text))
    number = _page_number(request)
    total = await q.count()
    rows = (
        await q.order_by("-active", "userid").offset((number - 1) * STAFF_PAGE).limit(STAFF_PAGE)
    )
    known = await department_names.names(
        corp.id, {d for s in rows for d in s.department_ids or []}
    )
    return base(
        "staff",
        corp,
        members=[
            {
                "userid": s.userid,
                "name": s.name,
                "departments": department_names.labels(s.department_ids or [], known),
                "contact": s.has_contact_permission,
                "active": s.active,
                "updated": local(s.updated_at, corp),
            }
            for s in rows
        ],
        total=total,
        active_count=await Staff.filter(corp_id=corp.id, active=True).count(),
        filters={"q": text, "active": status},
        page=number,
        pages=max(1, -(-total // STAFF_PAGE)),
    )


@routes.get("/admin/settings/tags")
@page("settings_tags.html", nav="settings", title="设置 · 标签", role="admin")
async def tags(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    if corp is None:
        return base("tags", None)
    return base("tags", corp, groups=await groups_out(corp))
