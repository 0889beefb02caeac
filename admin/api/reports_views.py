"""`/api/v1/reports/view/{key}` and `/api/v1/reports/drill/{key}`: every report of the
catalog as JSON rows, and the records behind a row's number, within the caller's scope."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from admin.api.common import corp_for, error, not_found, ok, query_int
from admin.api.openapi import API
from admin.api.reports_scope import query_text, scope_for
from scrm.services import reports_drill, reports_forecast
from scrm.services.reports_catalog import REPORTS

TAG = "reports"


class ColumnOut(BaseModel):
    key: str
    label: str
    kind: str


class ReportOut(BaseModel):
    key: str
    title: str
    columns: list[ColumnOut]
    drill: list[str] | None


def params_of(request: web.Request) -> dict[str, str]:
    month = query_text(request, "month")
    if month and not reports_forecast.MONTH.match(month):
        raise web.HTTPUnprocessableEntity(
            text='{"error": "month must be YYYY-MM"}', content_type="application/json"
        )
    return {"month": month} if month else {}


@API.route(
    "GET",
    "/api/v1/reports/catalog",
    "Every report: key, title, columns",
    tag=TAG,
    response=ReportOut,
    many=True,
)
async def catalog(request: web.Request) -> web.Response:
    return ok(
        [
            ReportOut(
                key=r.key,
                title=r.title,
                columns=[ColumnOut(key=c.key, label=c.label, kind=c.kind) for c in r.columns],
                drill=list(r.drill) if r.drill else None,
            ).model_dump()
            for r in REPORTS.values()
        ]
    )


@API.route(
    "GET",
    "/api/v1/reports/view/{key}",
    "One report's rows (since, until, team, member, channel; month for forecast; limit, "
    "1–10 000, for the per-deal reports stagnant and risks, whose X-Total-Count header "
    "gives the whole count); 404 for an unknown report, 422 a bad month or limit",
    tag=TAG,
)
async def view(request: web.Request) -> web.Response:
    report = REPORTS.get(request.match_info["key"])
    if report is None:
        raise not_found("report")
    corp = await corp_for(request)
    scope = await scope_for(request, corp)
    params = params_of(request)
    if report.count is None:
        return ok(await report.fetch(scope, params))
    limit = query_int(request, "limit", 0, 1, 10_000)
    if limit:
        params["limit"] = str(limit)
    resp = ok(await report.fetch(scope, params))
    resp.headers["X-Total-Count"] = str(await report.count(scope, params))
    return resp


@API.route(
    "GET",
    "/api/v1/reports/drill/{key}",
    "The records behind one row of a report (?value= the row's group; since, until, …)",
    tag=TAG,
)
async def drill(request: web.Request) -> web.Response:
    report = REPORTS.get(request.match_info["key"])
    if report is None or report.drill is None or report.drill[0] == "opportunity":
        raise not_found("report with a drill-down")
    corp = await corp_for(request)
    scope = await scope_for(request, corp)
    params = params_of(request)
    if params.get("month"):  # the forecast's numbers are for a month, not the window
        since, until, _, _ = reports_forecast.month_range(params["month"], scope.tz)
        scope = replace(scope, since=since, until=until)
    kind, column = report.drill
    try:
        record, rows = await reports_drill.records(
            scope, kind, column, query_text(request, "value")
        )
    except ValueError as exc:
        return error(422, str(exc))
    out: dict[str, Any] = {"record": record, "rows": rows}
    return ok(out)
