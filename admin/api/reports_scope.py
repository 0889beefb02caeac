"""A report request's scope from the query: window, team, member and channel, within the
caller's data scope (staff: themselves; managers: their team; ops and admins: the corp)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from aiohttp import web

from admin.api.auth import actor
from admin.api.common import query_instant
from scrm.infra import clock
from scrm.models import Corp, Staff
from scrm.services.reports_common import Scope

MAX_TEXT = 64
MAX_WINDOW = timedelta(days=3 * 366)


def _unprocessable(message: str) -> web.HTTPUnprocessableEntity:
    return web.HTTPUnprocessableEntity(
        text=json.dumps({"error": message}, ensure_ascii=False), content_type="application/json"
    )


def query_text(request: web.Request, name: str) -> str:
    value = request.query.get(name, "").strip()
    if len(value) > MAX_TEXT:
        raise _unprocessable(f"{name} is longer than {MAX_TEXT} characters")
    return value


async def team_of(corp_id: int, manager: str) -> list[str]:
    """A manager and the members whose manager they are."""
    members: list[str] = await Staff.filter(corp_id=corp_id, manager_userid=manager).values_list(
        "userid", flat=True
    )  # type: ignore[assignment]
    return [manager, *members]


async def scope_for(
    request: web.Request,
    corp: Corp,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Scope:
    """The scope of `?since&until&team&member&channel` (the pages pass the window in)."""
    until = until or query_instant(request, "until") or datetime.now(UTC) + timedelta(seconds=1)
    since = since or query_instant(request, "since") or until - timedelta(days=30)
    if since >= until or until - since > MAX_WINDOW:
        raise _unprocessable("since must be before until, at most three years apart")
    owners = actor(request).owners()
    team = query_text(request, "team")
    if team:
        members = await team_of(corp.id, team)
        owners = members if owners is None else [m for m in members if m in owners]
    return Scope(
        corp_id=corp.id,
        since=since,
        until=until,
        owners=owners,
        member=query_text(request, "member"),
        channel=query_text(request, "channel"),
        tz=clock.zone(corp.timezone).key,
    )
