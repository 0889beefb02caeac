"""`/api/v1/audit-log`: who changed what and when, with a field-by-field before/after diff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from tortoise.queryset import QuerySet

from admin.api.auth import require
from admin.api.common import corp_for, ok, query_instant, query_int
from admin.api.openapi import API
from scrm.models import AuditLog

TAG = "settings"


class Change(BaseModel):
    path: str
    before: Any = None
    after: Any = None


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    data: dict[str, Any]
    changes: list[Change]


class AuditPage(BaseModel):
    items: list[AuditOut]
    total: int
    limit: int
    offset: int


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted paths; lists and scalars are leaves (a list compares whole)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        if not out and prefix:
            out[prefix] = {}  # an empty nested object is a value of its own
        return out
    if not prefix:
        return {} if value is None else {"(值)": value}
    return {prefix: value}


def diff(before: Any, after: Any) -> list[dict[str, Any]]:
    """The fields that differ, in a stable order; a create has only `after`, a delete `before`."""
    old, new = _flatten(before), _flatten(after)
    return [
        {"path": path, "before": old.get(path), "after": new.get(path)}
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    ]


def audit_out(row: AuditLog) -> dict[str, Any]:
    data = row.data if isinstance(row.data, dict) else {}
    return AuditOut(
        id=row.id,
        at=row.created_at,
        actor=row.actor,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        data=data,
        changes=[Change(**c) for c in diff(data.get("before"), data.get("after"))],
    ).model_dump(mode="json")


def audit_query(
    corp_pk: int,
    *,
    actor: str = "",
    object_type: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditLog]:
    """The corp's audit rows matching the filters, newest first (shared with the page)."""
    q = AuditLog.filter(corp_id=corp_pk)
    if actor:
        q = q.filter(actor=actor)
    if object_type:
        q = q.filter(object_type=object_type)
    if action:
        q = q.filter(action=action)
    if since is not None:
        q = q.filter(created_at__gte=since)
    if until is not None:
        q = q.filter(created_at__lt=until)
    return q.order_by("-id")


@API.route(
    "GET",
    "/api/v1/audit-log",
    "Audit log (?actor= ?object_type= ?action= ?since= ?until= ?limit= ?offset=)",
    tag=TAG,
    response=AuditPage,
)
async def list_audit(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    q = audit_query(
        corp.id,
        actor=request.query.get("actor", "").strip()[:64],
        object_type=request.query.get("object_type", "").strip()[:32],
        action=request.query.get("action", "").strip()[:32],
        since=query_instant(request, "since"),
        until=query_instant(request, "until"),
    )
    limit = query_int(request, "limit", 50, 1, 200)
    offset = query_int(request, "offset", 0, 0, 10**9)
    rows = await q.offset(offset).limit(limit)
    return ok(
        {
            "items": [audit_out(r) for r in rows],
            "total": await q.count(),
            "limit": limit,
            "offset": offset,
        }
    )
