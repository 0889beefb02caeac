"""Shared pieces of the 合规审查 pages: Chinese labels, the corp, staff names, local times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from admin.api.auth import Actor
from admin.web.render import base_context, current
from scrm import labels
from scrm.compliance.actions import KINDS as ACTION_KINDS
from scrm.infra import clock
from scrm.models import Corp, Staff

STATUS = {
    "open": "未处理",
    "acknowledged": "已确认",
    "resolved": "已解决",
    "false_positive": "误报",
}
KIND = labels.ALERT_KIND
SEVERITY = labels.SEVERITY
DIRECTION = {"staff_to_customer": "员工→客户", "customer_to_staff": "客户→员工", "group": "群聊"}
REVIEW_ACTIONS = {
    "acknowledge": "确认",
    "resolve": "解决",
    "false_positive": "标为误报",
    "reopen": "重新打开",
    "assign": "指派",
    "comment": "评论",
}
LABELS: dict[str, Any] = {
    "status": STATUS,
    "kind": KIND,
    "severity": SEVERITY,
    "direction": DIRECTION,
    "action_kind": ACTION_KINDS,
    "review": REVIEW_ACTIONS,
}
# Tabs of the area; managers see the ones whose API answers them (scoped to their team).
TABS = (
    ("queue", "告警队列", "/admin/compliance", "manager"),
    ("words", "敏感词库", "/admin/compliance/words", "admin"),
    ("allow", "白名单", "/admin/compliance/allow", "admin"),
    ("rules", "行为规则与通知", "/admin/compliance/rules", "admin"),
    ("stats", "统计", "/admin/compliance/stats", "manager"),
)


def tabs(who: Actor, active: str) -> list[dict[str, Any]]:
    return [
        {"key": k, "label": label, "href": href, "active": k == active}
        for k, label, href, role in TABS
        if who.at_least(role)
    ]


async def refuse_ops(request: web.Request) -> None:
    """The pages open to managers are closed to ops leads, whose role ranks higher but who
    do not review compliance (the API refuses them too): the shared 403 page."""
    if current(request).role != "ops":
        return
    context = {
        **await base_context(request),
        "title": "无权访问",
        "nav": "compliance",
        "reason": "运营账号没有合规审查权限：合规告警由管理员处理，主管只处理自己团队的告警。",
    }
    html = aiohttp_jinja2.render_string("forbidden.html", request, context)
    raise web.HTTPForbidden(text=html, content_type="text/html")


async def corp_of(request: web.Request) -> Corp:
    """The person's corp (the bootstrap admin has none: the only active one)."""
    who = current(request)
    corp = await Corp.get_or_none(id=who.corp_pk) if who.corp_pk else None
    corp = corp or await Corp.filter(active=True).order_by("id").first()
    if corp is None:
        raise web.HTTPNotFound(text="还没有企业：请先引导一个企业")
    return corp


async def staff_names(corp: Corp) -> dict[str, str]:
    rows = await Staff.filter(corp_id=corp.id).order_by("userid").values_list("userid", "name")
    return {userid: name or userid for userid, name in rows}


def zone(corp: Corp) -> ZoneInfo:
    return clock.zone(corp.timezone)


def local(value: datetime | str | None, tz: ZoneInfo, seconds: bool = False) -> str:
    """An instant (stored in UTC; SQLite may hand it back naive) on the corp's wall clock."""
    return clock.when(value, tz, seconds)


def day_start(raw: str, tz: ZoneInfo, days: int = 0) -> datetime | None:
    """`YYYY-MM-DD` of the date filter as the UTC instant its local day starts (+ days);
    None for a malformed date, which the queue then ignores and says so."""
    try:
        return datetime.combine(
            date.fromisoformat(raw) + timedelta(days=days), time(0), tz
        ).astimezone(UTC)
    except (ValueError, OverflowError):  # not a date, or one at the calendar's very ends
        return None
