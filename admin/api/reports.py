"""`/api/v1/reports/...`: funnel, pipeline and forecast, win/loss, channel ROI, SLA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from admin.api.auth import require
from admin.api.common import corp_for, error, ok, query_instant
from admin.api.openapi import API
from scrm.services import reports

TAG = "reports"


def _window(request: web.Request) -> tuple[datetime, datetime]:
    until = datetime.now(UTC) + timedelta(seconds=1)
    since = until - timedelta(days=30)
    return query_instant(request, "since") or since, query_instant(request, "until") or until


@API.route("GET", "/api/v1/reports/funnel", "lead → MQL → SQL → opportunity → won", tag=TAG)
async def funnel(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    try:
        since, until = _window(request)
        rows = await reports.funnel(corp.id, request.query.get("by", "channel"), since, until)
    except ValueError as exc:
        return error(422, str(exc))
    return ok(rows)


@API.route("GET", "/api/v1/reports/pipeline", "Pipeline by stage and forecast category", tag=TAG)
async def pipeline(request: web.Request) -> web.Response:
    require(request, "manager")
    return ok(await reports.pipeline((await corp_for(request)).id))


@API.route("GET", "/api/v1/reports/win-loss", "Won, lost and lost reasons", tag=TAG)
async def win_loss(request: web.Request) -> web.Response:
    require(request, "manager")
    return ok(await reports.win_loss((await corp_for(request)).id))


@API.route("GET", "/api/v1/reports/roi", "Revenue against campaign cost", tag=TAG)
async def roi(request: web.Request) -> web.Response:
    require(request, "manager")
    return ok(await reports.channel_roi((await corp_for(request)).id))


@API.route("GET", "/api/v1/reports/sla", "First-response SLA attainment", tag=TAG)
async def sla(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    try:
        since, until = _window(request)
    except ValueError as exc:
        return error(422, str(exc))
    return ok(await reports.sla(corp.id, since, until))
