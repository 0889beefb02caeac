"""Shared pieces of the 设置 pages: the route table, the tabs, the corp, local times, labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from admin.web.render import current
from scrm.infra import clock
from scrm.models import Corp, Staff

# Every settings module adds its views here; admin.web.pages.settings exports it.
routes = web.RouteTableDef()
TABS = (
    ("corps", "企业", "/admin/settings"),
    ("staff", "成员", "/admin/settings/staff"),
    ("tags", "标签", "/admin/settings/tags"),
    ("rules", "规则", "/admin/settings/rules"),
    ("stages", "商机阶段", "/admin/settings/stages"),
    ("users", "账号", "/admin/settings/users"),
    ("audit", "审计日志", "/admin/settings/audit"),
)
ROLE_LABELS = {"staff": "员工", "manager": "主管", "ops": "运营", "admin": "管理员"}


def tabs(active: str) -> list[dict[str, Any]]:
    return [
        {"key": k, "label": label, "href": href, "active": k == active} for k, label, href in TABS
    ]


async def corp_of(request: web.Request) -> Corp | None:
    """The person's corp (a session is always bound to one; else the only active corp)."""
    who = current(request)
    if who.corp_pk is not None:
        return await Corp.get_or_none(id=who.corp_pk)
    return await Corp.filter(active=True).first()


def local(value: datetime | None, corp: Corp | None) -> str:
    return clock.when(value, corp.timezone if corp else None)


async def staff_names(corp: Corp) -> dict[str, str]:
    """userid → name of the corp's active members, for pickers and labels."""
    rows = await Staff.filter(corp_id=corp.id, active=True).order_by("userid")
    return {s.userid: s.name or s.userid for s in rows}


def base(tab: str, corp: Corp | None, **extra: Any) -> dict[str, Any]:
    return {"tabs": tabs(tab), "corp": corp, "tab": tab, **extra}
