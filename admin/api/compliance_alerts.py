"""`/api/v1/compliance/alerts`: the review queue — list, detail with the conversation, and
acknowledge / resolve / false positive / reopen / assign / comment, every one audited."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from pydantic import Field

from admin.api.auth import actor, in_scope, require, who
from admin.api.common import (
    corp_for,
    error,
    not_found,
    ok,
    parse,
    path_id,
    query_instant,
    query_int,
)
from admin.api.openapi import API
from scrm.compliance import review
from scrm.compliance.alerts import mask_phones
from scrm.enums import AlertKind, AlertStatus, Severity, members
from scrm.infra.schemas import Strict
from scrm.models import Alert, AlertComment, AuditLog, ChatMessage, Corp, Staff

TAG = "compliance"
BEFORE, AFTER = 10, 5  # messages of conversation shown around the alert


class NoteIn(Strict):
    note: str = Field("", max_length=500)


class FalsePositiveIn(NoteIn):
    phrase: str = Field("", max_length=128, description="allow phrase; default: word in context")
    allow: bool = Field(True, description="false: a word alert adds nothing to the allow-list")


class AssignIn(Strict):
    assignee: str = Field(max_length=64, description="a staff userid; empty to unassign")


class CommentIn(Strict):
    text: str = Field(min_length=1, max_length=2000)


def require_reviewer(request: web.Request) -> None:
    """Admins and managers (their team) review alerts. Ops leads rank above managers but run
    campaigns, not compliance (admin/api/auth.py), so they are refused here as well."""
    require(request, "manager")
    if actor(request).role == "ops":
        raise web.HTTPForbidden(
            text=json.dumps({"error": "compliance review is for admins and managers"}),
            content_type="application/json",
        )


def out(a: Alert) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "severity": a.severity,
        "status": a.status,
        "staff_userid": a.staff_userid,
        "external_userid": a.external_userid,
        "chat_id": a.chat_id,
        "msgid": a.msgid,
        "word": a.word,
        "category": a.category,
        "rule_id": a.rule_id,
        "context": a.context,
        "details": a.details,
        "assignee": a.assignee,
        "occurred_at": a.occurred_at,
        "resolved_at": a.resolved_at,
        "notified_at": a.notified_at,
    }


@API.route("GET", "/api/v1/compliance/alerts", "Alerts, newest first, with filters", tag=TAG)
async def list_alerts(request: web.Request) -> web.Response:
    """Filters: status, severity, kind (comma-separated lists), staff_userid, assignee, word,
    since, until; limit/offset. Managers see their team's alerts."""
    require_reviewer(request)
    corp = await corp_for(request)
    q = Alert.filter(corp_id=corp.id)
    for name, closed in (("status", AlertStatus), ("severity", Severity), ("kind", AlertKind)):
        if request.query.get(name):  # values outside the set match no alert
            q = q.filter(**{f"{name}__in": members(closed, request.query[name].split(","))})
    for name in ("staff_userid", "assignee", "word"):
        if name in request.query:
            q = q.filter(**{name: request.query[name]})
    if (since := query_instant(request, "since")) is not None:
        q = q.filter(occurred_at__gte=since)
    if (until := query_instant(request, "until")) is not None:
        q = q.filter(occurred_at__lt=until)
    if (owners := actor(request).owners()) is not None:
        q = q.filter(staff_userid__in=owners)
    limit, offset = (
        query_int(request, "limit", 50, 1, 500),
        query_int(request, "offset", 0, 0, 10**9),
    )
    rows = await q.order_by("-occurred_at", "-id").offset(offset).limit(limit)
    return ok({"total": await q.count(), "items": [out(a) for a in rows]})


async def _alert(request: web.Request) -> tuple[Corp, Alert]:
    require_reviewer(request)
    corp = await corp_for(request)
    alert = await Alert.get_or_none(id=path_id(request, "alert"), corp_id=corp.id)
    if alert is None or not in_scope(request, alert.staff_userid):
        raise not_found("alert")
    return corp, alert


async def conversation(corp: Corp, alert: Alert) -> list[dict[str, Any]]:
    """The chat around the alert: its own message (or moment) with what came before and after."""
    if alert.chat_id:
        q = ChatMessage.filter(corp_id=corp.id, roomid=alert.chat_id)
    elif alert.staff_userid and alert.external_userid:
        q = ChatMessage.filter(
            corp_id=corp.id, staff_userid=alert.staff_userid, external_userid=alert.external_userid
        )
    else:
        return []
    anchor = alert.occurred_at
    if alert.msgid and (msg := await ChatMessage.get_or_none(corp_id=corp.id, msgid=alert.msgid)):
        anchor = msg.msgtime
    before = await q.filter(msgtime__lte=anchor).order_by("-msgtime", "-id").limit(BEFORE)
    after = await q.filter(msgtime__gt=anchor).order_by("msgtime", "id").limit(AFTER)
    return [
        {
            "msgid": m.msgid,
            "sender": m.sender,
            "direction": m.direction,
            "msgtime": m.msgtime,
            "text": mask_phones(m.text),
            "matched": bool(alert.msgid) and m.msgid == alert.msgid,
        }
        for m in [*reversed(before), *after]
    ]


@API.route(
    "GET", "/api/v1/compliance/alerts/{id}", "An alert with conversation, comments, audit", tag=TAG
)
async def detail(request: web.Request) -> web.Response:
    corp, alert = await _alert(request)
    comments = await AlertComment.filter(alert_id=alert.id).order_by("id")
    audit = await AuditLog.filter(corp_id=corp.id, object_type="alert", object_id=str(alert.id))
    return ok(
        {
            **out(alert),
            "conversation": await conversation(corp, alert),
            "comments": [
                {"id": c.id, "author": c.author, "text": c.text, "at": c.created_at}
                for c in comments
            ],
            "audit": [
                {"actor": x.actor, "action": x.action, "data": x.data, "at": x.created_at}
                for x in sorted(audit, key=lambda x: x.id)
            ],
        }
    )


async def _move(request: web.Request, action: str) -> web.Response:
    _, alert = await _alert(request)
    body = await parse(request, NoteIn)
    try:
        await review.transition(alert, action, who(request), body.note)
    except review.ReviewError as exc:
        return error(exc.status, str(exc), status_now=alert.status)
    return ok(out(alert))


@API.route(
    "POST", "/api/v1/compliance/alerts/{id}/acknowledge", "Acknowledge", tag=TAG, body=NoteIn
)
async def acknowledge(request: web.Request) -> web.Response:
    return await _move(request, "acknowledge")


@API.route("POST", "/api/v1/compliance/alerts/{id}/resolve", "Resolve", tag=TAG, body=NoteIn)
async def resolve(request: web.Request) -> web.Response:
    return await _move(request, "resolve")


@API.route(
    "POST", "/api/v1/compliance/alerts/{id}/reopen", "Reopen a decided alert", tag=TAG, body=NoteIn
)
async def reopen(request: web.Request) -> web.Response:
    return await _move(request, "reopen")


@API.route(
    "POST",
    "/api/v1/compliance/alerts/{id}/false-positive",
    "False positive: a word alert's phrase joins the allow-list",
    tag=TAG,
    body=FalsePositiveIn,
)
async def false_positive(request: web.Request) -> web.Response:
    _, alert = await _alert(request)
    body = await parse(request, FalsePositiveIn)
    if not body.allow and body.phrase:
        return error(422, "a phrase was given but allow is false")
    try:
        if body.allow:
            phrase = await review.false_positive(alert, who(request), body.phrase, body.note)
        else:  # a one-off: the wording may well be a real problem next time
            phrase = ""
            await review.transition(alert, "false_positive", who(request), body.note)
    except review.ReviewError as exc:
        return error(exc.status, str(exc), status_now=alert.status)
    return ok({**out(alert), "allow_phrase": phrase})


@API.route(
    "POST", "/api/v1/compliance/alerts/{id}/assign", "Assign to a reviewer", tag=TAG, body=AssignIn
)
async def assign(request: web.Request) -> web.Response:
    corp, alert = await _alert(request)
    body = await parse(request, AssignIn)
    if body.assignee and not await Staff.exists(corp_id=corp.id, userid=body.assignee):
        return error(422, f"no staff member {body.assignee!r}")
    await review.assign(alert, who(request), body.assignee)
    return ok(out(alert))


@API.route(
    "POST",
    "/api/v1/compliance/alerts/{id}/comments",
    "Comment",
    tag=TAG,
    body=CommentIn,
    status=201,
)
async def comment(request: web.Request) -> web.Response:
    _, alert = await _alert(request)
    body = await parse(request, CommentIn)
    row = await review.comment(alert, who(request), body.text)
    return ok({"id": row.id, "author": row.author, "text": row.text}, status=201)
