"""合规审查 pages: the word library, the allow-list, action rules with notification settings,
and alert statistics. Reads come straight from the models; every write goes through
/api/v1/compliance/… from the page's JavaScript."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from admin.web.pages.compliance_common import (
    LABELS,
    corp_of,
    local,
    refuse_ops,
    staff_names,
    tabs,
    zone,
)
from admin.web.render import current, page
from scrm.compliance import actions, stats
from scrm.compliance.team_settings import settings_for
from scrm.models import AllowPhrase, ComplianceRule, SensitiveWord
from scrm.services import department_names

routes = web.RouteTableDef()
WORDS_PER_PAGE = 50
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@routes.get("/admin/compliance/words", name="compliance_words")
@page("compliance_words.html", nav="compliance", title="敏感词库", role="admin")
async def words(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    search, category = request.query.get("q", "").strip(), request.query.get("category", "")
    q = SensitiveWord.filter(corp_id=corp.id)
    if search:
        q = q.filter(word__contains=search)
    if category:
        q = q.filter(category=category)
    total = await q.count()
    pages = max(1, -(-total // WORDS_PER_PAGE))
    try:
        at_page = min(max(1, int(request.query.get("page", "1"))), pages)
    except ValueError:
        at_page = 1
    rows = await q.order_by("-id").offset((at_page - 1) * WORDS_PER_PAGE).limit(WORDS_PER_PAGE)
    categories = sorted(
        set(await SensitiveWord.filter(corp_id=corp.id).values_list("category", flat=True)) - {""}
    )
    keep = {k: v for k, v in (("q", search), ("category", category)) if v}
    departments = await department_names.names(
        corp.id, {d for r in rows for d in r.scope_departments}
    )
    return {
        "tabs": tabs(current(request), "words"),
        "labels": LABELS,
        "search": search,
        "category": category,
        "categories": categories,
        "staff": await staff_names(corp),
        "total": total,
        "page_no": at_page,
        "pages": pages,
        "prev": "?" + urlencode({**keep, "page": at_page - 1}) if at_page > 1 else "",
        "next": "?" + urlencode({**keep, "page": at_page + 1}) if at_page < pages else "",
        "words": [
            {
                "row": r,
                "departments": department_names.labels(r.scope_departments, departments),
                # What the edit button loads into the form (the API's own field names).
                "spec": {
                    "id": r.id,
                    "word": r.word,
                    "category": r.category,
                    "severity": r.severity,
                    "directions": r.directions,
                    "scope_userids": r.scope_userids,
                    "scope_departments": r.scope_departments,
                    "enabled": r.enabled,
                },
            }
            for r in rows
        ],
    }


@routes.get("/admin/compliance/allow", name="compliance_allow")
@page("compliance_allow.html", nav="compliance", title="白名单短语", role="admin")
async def allow_list(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    rows = await AllowPhrase.filter(corp_id=corp.id).order_by("-id")
    tz = zone(corp)
    return {
        "tabs": tabs(current(request), "allow"),
        "phrases": [{"p": p, "at": local(p.created_at, tz)} for p in rows],
    }


def _hours_text(hours: dict[str, Any]) -> dict[str, str]:
    """{"1": [["09:00", "18:00"]]} → {"1": "09:00-18:00"}: one text box per weekday."""
    return {
        str(day): ", ".join(f"{a}-{b}" for a, b in hours.get(str(day), [])) for day in range(1, 8)
    }


@routes.get("/admin/compliance/rules", name="compliance_rules")
@page("compliance_rules.html", nav="compliance", title="行为规则与通知", role="admin")
async def rules(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    stored = await ComplianceRule.filter(corp_id=corp.id).order_by("kind", "threshold", "id")
    settings = await settings_for(corp.id)
    return {
        "tabs": tabs(current(request), "rules"),
        "labels": LABELS,
        "rules": [
            {
                "id": r.id,
                "kind": r.kind,
                "threshold": r.threshold,
                "window_minutes": r.window_minutes,
                "severity": r.severity,
                "enabled": r.enabled,
            }
            for r in stored
        ],
        "defaults": [asdict(r) for r in actions.DEFAULT_RULES],
        "staff": await staff_names(corp),
        "settings": settings,
        "weekdays": list(enumerate(WEEKDAYS, start=1)),
        "hours": _hours_text(settings.working_hours),
    }


def _weeks(rows: list[dict[str, Any]], weeks: int, tz: Any) -> list[dict[str, Any]]:
    """Every ISO week of the range, with zeros where nothing happened: a line chart with gaps
    closed up would draw a quiet month as if it never passed."""
    got = {r["week"]: r for r in rows}
    today = datetime.now(UTC).astimezone(tz).date()
    out = []
    for back in range(weeks - 1, -1, -1):
        year, week, _ = (today - timedelta(weeks=back)).isocalendar()
        key = f"{year}-W{week:02d}"
        row = got.get(key) or {"week": key, "total": 0, "open": 0, "false_positive": 0}
        monday = date.fromisocalendar(year, week, 1)
        out.append({**row, "label": f"{monday:%m-%d} 周"})
    return out


@routes.get("/admin/compliance/stats", name="compliance_stats")
@page("compliance_stats.html", nav="compliance", title="告警统计", role="manager")
async def statistics(request: web.Request) -> dict[str, Any]:
    """The numbers of GET /api/v1/compliance/stats, for the same data scope."""
    await refuse_ops(request)
    who, corp = current(request), await corp_of(request)
    try:
        weeks = min(max(1, int(request.query.get("weeks", "12"))), 104)
    except ValueError:
        weeks = 12
    got = await stats.summary(corp, weeks, who.owners())
    names = await staff_names(corp)
    per_week = _weeks(got["by_week"], weeks, zone(corp))
    by_staff = got["by_staff"][:20]
    by_word = got["by_word"][:20]
    departments = await department_names.names(
        corp.id, [r["department_id"] for r in got["by_team"]]
    )
    return {
        "tabs": tabs(who, "stats"),
        "weeks": weeks,
        "summary": got,
        "open": sum(r["open"] for r in got["by_staff"]),
        "false_positive": sum(r["false_positive"] for r in got["by_staff"]),
        "names": names,
        "staff_chart": {
            "type": "bar",
            "horizontal": True,
            "labels": [names.get(r["staff_userid"], r["staff_userid"]) for r in by_staff],
            "series": [
                {"label": "告警", "data": [r["total"] for r in by_staff]},
                {"label": "待处理", "data": [r["open"] for r in by_staff]},
            ],
        },
        "word_chart": {
            "type": "bar",
            "labels": [r["word"] for r in by_word],
            "series": [
                {"label": "告警", "data": [r["total"] for r in by_word]},
                {"label": "误报", "data": [r["false_positive"] for r in by_word]},
            ],
        },
        "week_chart": {
            "type": "line",
            "labels": [r["label"] for r in per_week],
            "series": [
                {"label": "告警", "data": [r["total"] for r in per_week]},
                {"label": "误报", "data": [r["false_positive"] for r in per_week]},
            ],
        },
        "by_staff": got["by_staff"],
        "by_word": got["by_word"],
        "by_team": [
            {**r, "department": department_names.label(r["department_id"], departments)}
            for r in got["by_team"]
        ],
    }
