"""Every write through the API or the admin pages lands in the audit log: who, when, what,
and the object as it was before and after (read through the object's own GET route)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from admin.api.auth import ACTOR, Actor
from admin.api.common import TOUCHED_CORP
from scrm import phones
from scrm.infra.logging import get_logger
from scrm.models import AuditLog, Corp

log = get_logger("admin.audit")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SECRET_WORDS = ("password", "secret", "token", "aes_key", "private")
_MAX_BODY = 16 * 1024


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: "***" if any(w in k.lower() for w in _SECRET_WORDS) else _redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact(v) for v in value[:200]]
    # Personal data is found by value too: a phone under any name (or inside a note) is masked.
    return phones.mask_values(value)


def _json(raw: bytes | None) -> Any:
    if not raw or len(raw) > _MAX_BODY:
        return None
    try:
        return _redact(json.loads(raw))
    except (ValueError, RecursionError):  # a body nested 20 000 deep is refused, not audited
        return None


def _probe(request: web.Request, path: str) -> web.Request | None:
    # A request can be cloned only before its body is read: make the probes up front.
    return request.clone(method="GET", rel_url=path) if path else None


async def _snapshot(request: web.Request, probe: web.Request | None) -> Any:
    """The JSON the object's GET route answers now, or None if it has none."""
    if probe is None or request.get(ACTOR) is None:
        return None
    match = await request.app.router.resolve(probe)
    if match.http_exception is not None or match.route.method not in ("GET", "*"):
        return None
    for app in request.match_info.apps:  # as aiohttp's dispatcher does: handlers use .app
        match.add_app(app)
    match.freeze()
    probe._match_info = match
    try:
        response = await match.handler(probe)
    except web.HTTPException:
        return None
    except Exception:  # an audit snapshot must never turn a good write into a 500
        log.exception("audit.snapshot_failed", path=probe.path)
        return None
    if not isinstance(response, web.Response) or response.status != 200:
        return None
    return _json(response.body if isinstance(response.body, bytes) else None)


def _target(request: web.Request) -> str:
    """The path of the object a write changes: itself, or its parent for an action
    (`/alerts/7/ack` changes `/alerts/7`); a create has no object yet."""
    parts = request.path.rstrip("/").split("/")
    if request.method == "POST" and not parts[-1].isdigit():
        return "/".join(parts[:-1]) if len(parts) > 1 and parts[-2].isdigit() else ""
    return request.path


async def _corp_id(request: web.Request, who: Actor) -> int | None:
    """The corp the write touched (its handler says so), else the writer's own: an edit of
    corp 1 is corp 1's history, whoever made it, and a bootstrap-token write among several
    corps is filed under the one it named."""
    if TOUCHED_CORP in request:
        return request[TOUCHED_CORP]
    if who.corp_pk is not None:
        return who.corp_pk
    filters: dict[str, Any] = {"active": True}
    if request.query.get("corp_id"):
        filters["corp_id"] = request.query["corp_id"]
    corps = await Corp.filter(**filters).limit(2)
    return corps[0].id if len(corps) == 1 else None


@web.middleware
async def audit_writes(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.method not in WRITES or not request.path.startswith(("/api/v1/", "/admin/")):
        return await handler(request)
    target = _target(request)
    probes = _probe(request, target), _probe(request, target)
    before = await _snapshot(request, probes[0])
    # Only small JSON bodies are kept, and read through the cached `read()`: a handler that
    # streams `request.content` (CSV import, uploads) must find its body unread.
    small = (request.content_length or 0) <= _MAX_BODY
    json_body = request.content_type == "application/json" and small and request.can_read_body
    body = _json(await request.read()) if json_body else None
    response = await handler(request)
    who = request.get(ACTOR)
    if who is None or response.status >= 400:
        return response  # refused before or by the handler: nothing changed
    if request.method == "DELETE":
        after = None
    elif target:
        after = await _snapshot(request, probes[1])
    else:
        raw = response.body if isinstance(response, web.Response) else None
        after = _json(raw if isinstance(raw, bytes) else None)
    corp_id = await _corp_id(request, who)
    if corp_id is None:
        log.warning("audit.no_corp", path=request.path, actor=who.name or who.userid)
        return response
    object_id = target.rstrip("/").rsplit("/", 1)[-1] if target else ""
    if not object_id and isinstance(after, dict):
        object_id = str(after.get("id", ""))
    await AuditLog.create(
        corp_id=corp_id,
        actor=who.name or who.userid or "admin",
        action=_action(request, target),
        object_type=_object_type(request.path),
        object_id=object_id[:64],
        data={
            "path": request.path,
            "status": response.status,
            "request": body,
            "before": before,
            "after": after,
        },
    )
    return response


def _action(request: web.Request, target: str) -> str:
    if request.method == "POST":
        return "create" if not target else request.path.rstrip("/").rsplit("/", 1)[-1][:32]
    return {"DELETE": "delete"}.get(request.method, "update")


def _object_type(path: str) -> str:
    """`/api/v1/compliance/alerts/7/ack` → `compliance/alerts`."""
    parts = [p for p in path.split("/") if p and not p.isdigit()]
    parts = parts[2:] if parts[:2] == ["api", "v1"] else parts
    return "/".join(parts[:2])[:32]
