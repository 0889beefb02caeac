"""报表: an index of the reports, one page per report (filters, Chart.js chart, table, export
buttons), and a drill-down page listing the records behind a row's number."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from admin.api.auth import Actor
from admin.api.reports_scope import scope_for
from admin.web.render import current, page
from scrm.infra import clock
from scrm.models import Corp, Staff
from scrm.services import reports_display, reports_drill, reports_forecast
from scrm.services.reports_catalog import REPORTS, Report
from scrm.services.reports_common import Scope

routes = web.RouteTableDef()
AREAS = (
    ("漏斗与转化", ("funnel_channel", "funnel_campaign", "funnel_owner", "stage_time")),
    ("销售效率", ("sales_cycle", "order_value", "discounts", "activity")),
    ("管道健康", ("stagnant", "risks", "win_loss", "lost_reasons")),
    ("渠道", ("channel_roi", "livecodes", "mass_sends")),
    ("预测", ("forecast",)),
)
FILTERS = ("since", "until", "team", "member", "channel", "month")
SHOWN_ROWS = 500  # a page shows this many rows; the export has them all


async def _corp(who: Actor) -> Corp:
    corp = await (
        Corp.get_or_none(id=who.corp_pk) if who.corp_pk else Corp.filter(active=True).first()
    )
    if corp is None:
        raise web.HTTPNotFound(text="还没有企业")
    return corp


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


async def page_scope(request: web.Request, corp: Corp) -> tuple[Scope, dict[str, str]]:
    """The scope of the page's filters: whole local days from `since` to `until`."""
    zone = clock.zone(corp.timezone)
    today = datetime.now(zone).date()
    last = _day(request.query.get("until", "")) or today
    first = _day(request.query.get("since", "")) or last - timedelta(days=29)
    if first > last or (last - first).days > 3 * 366:
        first = last - timedelta(days=29)

    def start(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(UTC)

    scope = await scope_for(request, corp, start(first), start(last + timedelta(days=1)))
    month = request.query.get("month", "")
    if not reports_forecast.MONTH.match(month):
        month = today.strftime("%Y-%m")
    shown = {
        "since": first.isoformat(),
        "until": last.isoformat(),
        "team": scope_team(request),
        "member": scope.member,
        "channel": scope.channel,
        "month": month,
    }
    return scope, shown


def scope_team(request: web.Request) -> str:
    return request.query.get("team", "")[:64]


def api_query(shown: dict[str, str], scope: Scope, report: Report) -> dict[str, str]:
    """The same filters for the JSON/export API, with the window as exact instants."""
    query = {k: v for k, v in shown.items() if k in ("team", "member", "channel") and v}
    query["since"], query["until"] = scope.since.isoformat(), scope.until.isoformat()
    if "month" in report.params:
        query["month"] = shown["month"]
    return query


async def _people(corp: Corp, who: Actor) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(members, teams) the filters offer: only people in the caller's scope."""
    staff = Staff.filter(corp_id=corp.id, active=True)
    owners = who.owners()
    if owners is not None:
        staff = staff.filter(userid__in=owners)
    rows = await staff.order_by("userid").values("userid", "name", "manager_userid")
    members = [{"userid": r["userid"], "name": r["name"] or r["userid"]} for r in rows]
    heads = sorted({r["manager_userid"] for r in rows if r["manager_userid"]})
    names = {m["userid"]: m["name"] for m in members}
    return members, [{"userid": h, "name": names.get(h, h)} for h in heads]


@routes.get("/admin/reports", name="reports")
@page("reports_index.html", nav="reports", title="报表")
async def index(request: web.Request) -> dict[str, Any]:
    return {"areas": [(name, [REPORTS[k] for k in keys]) for name, keys in AREAS]}


def _report(request: web.Request) -> Report:
    report = REPORTS.get(request.match_info["key"])
    if report is None:
        raise web.HTTPNotFound(text="没有这个报表")
    return report


@routes.get(r"/admin/reports/{key:[a-z_]{1,32}}", name="report")
@page("reports_view.html", nav="reports", title="报表")
async def view(request: web.Request) -> dict[str, Any]:
    report, who = _report(request), current(request)
    corp = await _corp(who)
    scope, shown = await page_scope(request, corp)
    params = {"month": shown["month"]}
    if report.count is not None:  # one row per deal: count in SQL, fetch only what is shown
        total = await report.count(scope, params)
        rows = await report.fetch(scope, {**params, "limit": str(SHOWN_ROWS)})
    else:
        rows = await report.fetch(scope, params)
        total = len(rows)
        rows = rows[:SHOWN_ROWS]
    names = await reports_display.staff_names(corp.id)
    cells = reports_display.table(report, rows, names, scope.tz)
    table = [
        [reports_display.text(c, v) for c, v in zip(report.columns, row, strict=True)]
        for row in cells
    ]
    members, teams = await _people(corp, who)
    query = api_query(shown, scope, report)
    links = [_drill_link(report, r, query) for r in rows]
    return {
        "title": report.title,
        "report": report,
        "table": list(zip(table, links, strict=True)),
        "chart": _chart(report, cells),
        "shown": shown,
        "members": members,
        "teams": teams if who.at_least("ops") else [],
        "export_query": urlencode(query),
        "drillable": report.drill is not None,
        "total": total,
        "shown_rows": SHOWN_ROWS,
    }


def _drill_link(report: Report, row: dict[str, Any], query: dict[str, str]) -> str:
    if report.drill is None:
        return ""
    kind, column = report.drill
    if kind == "opportunity":
        return f"/admin/opportunities/{row['id']}"
    value = str(row.get(column, "")) if column else ""
    return f"/admin/reports/{report.key}/drill?" + urlencode({**query, "value": value})


def _chart(report: Report, cells: list[list[Any]]) -> dict[str, Any] | None:
    if report.chart is None or not cells:
        return None
    kind, label_key, series = report.chart
    index = {c.key: i for i, c in enumerate(report.columns)}
    labels = [str(row[index[label_key]]) for row in cells]
    return {
        "type": kind,
        "labels": labels,
        "series": [
            {
                "label": report.columns[index[k]].label,
                "data": [row[index[k]] if row[index[k]] != "" else 0 for row in cells],
            }
            for k in series
        ],
    }


@routes.get(r"/admin/reports/{key:[a-z_]{1,32}}/drill", name="report_drill")
@page("reports_drill.html", nav="reports", title="明细")
async def drill(request: web.Request) -> dict[str, Any]:
    report, who = _report(request), current(request)
    if report.drill is None or report.drill[0] == "opportunity":
        raise web.HTTPNotFound(text="这个报表没有明细")
    corp = await _corp(who)
    since = _instant(request.query.get("since", ""))
    until = _instant(request.query.get("until", ""))
    scope = await scope_for(request, corp, since, until)
    month = request.query.get("month", "")
    if reports_forecast.MONTH.match(month):
        start, end, _, _ = reports_forecast.month_range(month, scope.tz)
        scope = await scope_for(request, corp, start, end)
    value = request.query.get("value", "")[:64]
    kind, column = report.drill
    record, rows = await reports_drill.records(scope, kind, column, value)
    names = await reports_display.staff_names(corp.id)
    zone = scope.zone()
    for r in rows:
        for key in ("created_at", "closed_at"):
            if isinstance(r.get(key), datetime):
                r[key] = r[key].astimezone(zone).strftime("%Y-%m-%d %H:%M")
        owner = r.get("owner_userid") or r.get("opportunity__owner_userid") or ""
        r["owner_name"] = names.get(owner, owner)
    label = value or reports_display.TOTAL
    back = f"/admin/reports/{report.key}"
    return {
        "title": f"{report.title} · {label} · 明细",
        "report": report,
        "record": record,
        "rows": rows,
        "back": back,
        "limit": reports_drill.LIMIT,
        "stage_label": reports_display.CODES,
    }


def _instant(raw: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
