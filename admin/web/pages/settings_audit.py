"""设置 · 审计日志: who changed what and when, filtered, with the before/after of each write."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from aiohttp import web

from admin.api.admin_settings_audit import audit_out, audit_query
from admin.web.pages.settings_common import base, corp_of, local, routes
from admin.web.render import page
from scrm import labels
from scrm.infra import clock
from scrm.ints import parse_int
from scrm.models import AuditLog, Corp, Staff

PER_PAGE = 30
ACTIONS = labels.AUDIT_ACTIONS
OBJECTS = labels.AUDIT_OBJECTS
NAME_KEYS = ("display_name", "name", "title", "username", "word", "phrase")


def _day(raw: str, corp: Corp, *, end: bool = False) -> datetime | None:
    """A yyyy-mm-dd from the filter form as the start (or the end) of that local day."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    start = datetime.combine(day, time(), clock.zone(corp.timezone))
    return (start + timedelta(days=1) if end else start).astimezone(UTC)


def _pretty(value: Any) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


async def _choices(corp: Corp, field: str) -> list[str]:
    rows = await AuditLog.filter(corp_id=corp.id).distinct().values_list(field, flat=True)
    return sorted({str(r) for r in rows if r})[:200]


def _object_name(data: dict[str, Any]) -> str:
    """The object's own name, from what it looked like after (or before) the write."""
    for side in ("after", "before", "request"):
        value = data.get(side)
        if isinstance(value, dict):
            for key in NAME_KEYS:
                if isinstance(value.get(key), str) and value[key].strip():
                    return value[key].strip()[:64]
    return ""


def _field(path: str) -> str:
    """`stage` → 阶段, `owners.2.userid` → 负责人 › 第 3 项 › 成员 (unknown keys as they are)."""
    parts = [
        f"第 {int(p) + 1} 项" if p.isdigit() else labels.label(p, "field") for p in path.split(".")
    ]
    return " › ".join(parts)


def _entry(row: AuditLog, corp: Corp, people: dict[str, str]) -> dict[str, Any]:
    out = audit_out(row)
    data = out["data"]
    name = _object_name(data)
    return {
        **out,
        "at_text": local(row.created_at, corp),
        "actor_text": people.get(row.actor, row.actor),
        "action_text": labels.label(row.action, "action"),
        "object_text": labels.label(row.object_type, "object"),
        "object_name": name,
        # `/lead-settings` has no id: its last path part is not worth repeating.
        "object_ref": "" if name or row.object_id in row.object_type else row.object_id,
        "path": data.get("path", ""),
        "diff": [
            {
                **c,
                "field_text": _field(c["path"]),
                "before_text": _pretty(
                    labels.label(c["before"], "stage") if c["path"] == "stage" else c["before"]
                ),
                "after_text": _pretty(
                    labels.label(c["after"], "stage") if c["path"] == "stage" else c["after"]
                ),
            }
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
    people = dict(await Staff.filter(corp_id=corp.id).values_list("userid", "name"))
    return base(
        "audit",
        corp,
        entries=[_entry(r, corp, people) for r in rows],
        total=total,
        page=number,
        pages=max(1, -(-total // PER_PAGE)),
        filters=filters,
        keep=keep,
        actors=[(a, people.get(a) or a) for a in await _choices(corp, "actor")],
        object_types=[(t, OBJECTS.get(t, t)) for t in await _choices(corp, "object_type")],
    )
