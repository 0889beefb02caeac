"""设置 · 审计日志: who changed what and when, filtered, with the before/after of each write."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from admin.api.admin_settings_audit import audit_out, audit_query
from admin.web.pages.settings_common import base, corp_of, local, routes
from admin.web.render import page
from scrm.ints import parse_int
from scrm.models import AuditLog, Corp

PER_PAGE = 30
ACTIONS = {
    "create": "新建",
    "update": "修改",
    "delete": "删除",
    "login": "登录",
    "login_failed": "登录失败",
    "login_locked": "账号锁定",
    "password": "重置密码",
    "unlock": "解锁",
}
OBJECTS = {
    "corps": "企业",
    "staff/sync": "成员同步",
    "tags": "标签",
    "tags/sync": "标签同步",
    "tag-groups": "标签组",
    "admin-users": "账号",
    "admin_user": "账号",
    "lead-settings": "线索设置",
    "scoring-rules": "评分规则",
    "scoring-rules/rescore": "全量重算",
    "assignment-rules": "分配规则",
}


def _day(raw: str, corp: Corp, *, end: bool = False) -> datetime | None:
    """A yyyy-mm-dd from the filter form as the start (or the end) of that local day."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    start = datetime.combine(day, time(), ZoneInfo(corp.timezone or "Asia/Shanghai"))
    return (start + timedelta(days=1) if end else start).astimezone(UTC)


def _pretty(value: Any) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


async def _choices(corp: Corp, field: str) -> list[str]:
    rows = await AuditLog.filter(corp_id=corp.id).distinct().values_list(field, flat=True)
    return sorted({str(r) for r in rows if r})[:200]


def _entry(row: AuditLog, corp: Corp) -> dict[str, Any]:
    out = audit_out(row)
    data = out["data"]
    return {
        **out,
        "at_text": local(row.created_at, corp),
        "action_text": ACTIONS.get(row.action, row.action),
        "object_text": OBJECTS.get(row.object_type, row.object_type),
        # `/lead-settings` has no id: its last path part is not worth repeating.
        "object_ref": "" if row.object_id in row.object_type else row.object_id,
        "path": data.get("path", ""),
        "diff": [
            {**c, "before_text": _pretty(c["before"]), "after_text": _pretty(c["after"])}
            for c in out["changes"]
        ],
        "request_json": json.dumps(data.get("request"), ensure_ascii=False, indent=2),
    }


@routes.get("/admin/settings/audit")
@page("settings_audit.html", nav="settings", title="设置 · 审计日志", role="admin")
async def audit(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    if corp is None:
        return base("audit", None)
    query = request.query
    filters = {
        k: query.get(k, "").strip()[:64] for k in ("actor", "object_type", "since", "until")
    }
    q = audit_query(
        corp.id,
        actor=filters["actor"],
        object_type=filters["object_type"],
        since=_day(filters["since"], corp),
        until=_day(filters["until"], corp, end=True),
    )
    raw = query.get("page", "1")
    number = parse_int(raw, 1, 100_000) or 1
    total = await q.count()
    rows = await q.offset((number - 1) * PER_PAGE).limit(PER_PAGE)
    keep = {k: v for k, v in filters.items() if v}
    return base(
        "audit",
        corp,
        entries=[_entry(r, corp) for r in rows],
        total=total,
        page=number,
        pages=max(1, -(-total // PER_PAGE)),
        filters=filters,
        keep=keep,
        actors=await _choices(corp, "actor"),
        object_types=[(t, OBJECTS.get(t, t)) for t in await _choices(corp, "object_type")],
    )
