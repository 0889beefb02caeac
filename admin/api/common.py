"""Shared pieces of the JSON API: bearer auth, error answers, body parsing, corp lookup."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError
from tortoise.models import Model

from admin.api.auth import actor
from admin.api.validation_text import details
from scrm import error_text, labels
from scrm.infra import keys
from scrm.infra.logging import get_logger
from scrm.ints import parse_id
from scrm.models import Corp

log = get_logger("admin.api")
# The corp a request read or changed, for the audit log (decision 0013): set by `corp_for`, and
# by routes whose object is a corp itself.
TOUCHED_CORP: web.RequestKey[int] = web.RequestKey("touched_corp", int)
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T", bound=Model)


def error(status: int, message: str, **extra: Any) -> web.Response:
    """`error` stays the machine text scripts match on; `message` is what a person reads."""
    extra.setdefault("message", error_text.api_message(status, message))
    if extra.get("missing"):
        extra["missing_text"] = "、".join(labels.label(f, "field") for f in extra["missing"])
    return web.json_response(
        {"error": message, **extra},
        status=status,
        dumps=lambda v: json.dumps(v, ensure_ascii=False),
    )


def ok(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False, default=str)
    )


async def parse(request: web.Request, model: type[M]) -> M:
    raw = await request.read()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        body = {"error": "输入有误", "code": "invalid_input", "details": details(exc.errors())}
        raise web.HTTPUnprocessableEntity(
            text=json.dumps(body, ensure_ascii=False),
            content_type="application/json",
        ) from exc


def touched(request: web.Request, corp: Corp) -> Corp:
    request[TOUCHED_CORP] = corp.id
    return corp


async def corp_for(request: web.Request) -> Corp:
    """A person's token is bound to its corp; the admin token takes `?corp_id=` or the only one."""
    bound = actor(request).corp_pk
    if bound is not None:
        return touched(request, await Corp.get(id=bound))
    corp_id = request.query.get("corp_id")
    if corp_id and len(corp_id) > 64:  # longer than the column: no such corp
        corps: list[Corp] = []
    else:
        named = {"corp_id": corp_id} if corp_id else {}
        corps = await Corp.filter(active=True, **named).limit(2)
    if len(corps) != 1:
        raise web.HTTPUnprocessableEntity(
            text=json.dumps({"error": "unknown corp_id" if corp_id else "pass ?corp_id="}),
            content_type="application/json",
        )
    return touched(request, corps[0])


def not_found(label: str) -> web.HTTPNotFound:
    return web.HTTPNotFound(
        text=json.dumps(
            {"error": f"no such {label}", "message": error_text.api_message(404, "no such")},
            ensure_ascii=False,
        ),
        content_type="application/json",
    )


def path_id(request: web.Request, label: str, name: str = "id") -> int:
    """A path id as a positive 64-bit integer; anything else is simply not found (never 500)."""
    found = parse_id(request.match_info[name])
    if found is None:
        raise not_found(label)
    return found


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """A query parameter as an integer clamped to [low, high]; a non-number is a 422."""
    raw = request.query.get(name, "")
    if not raw:
        return default
    try:
        return max(low, min(int(raw), high))
    except ValueError:
        raise web.HTTPUnprocessableEntity(
            text=json.dumps({"error": f"{name} must be a whole number"}),
            content_type="application/json",
        ) from None


async def owned(request: web.Request, model: type[T], label: str) -> tuple[Corp, T]:
    """The caller's corp and the row `{id}` of `model` in it, or a 404."""
    corp = await corp_for(request)
    row = await model.get_or_none(id=path_id(request, label), corp_id=corp.id)
    if row is None:
        raise not_found(label)
    return corp, row


def utc(value: datetime) -> datetime:
    """An API instant for storage: naive means UTC, an offset is converted (decision 0009)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def query_instant(request: web.Request, name: str) -> datetime | None:
    """An ISO 8601 date or time from the query, as UTC; absent is None, anything else a 422."""
    raw = request.query.get(name, "")
    if not raw:
        return None
    try:
        return utc(datetime.fromisoformat(raw))
    except ValueError:
        raise web.HTTPUnprocessableEntity(
            text=json.dumps({"error": f"{name} must be an ISO 8601 date or time"}),
            content_type="application/json",
        ) from None


def base_url(request: web.Request) -> str:
    """How the browser reaches us: the configured public URL, else this request's origin."""
    public = request.config_dict[keys.SETTINGS].public_url.rstrip("/")
    return public or f"{request.scheme}://{request.host}"
