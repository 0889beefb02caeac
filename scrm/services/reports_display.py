"""Report cells as people read them: Chinese labels for codes, 元 for 分, %, corp-local time.
Pages and exports format through here, so a page and its export show the same values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from scrm import labels
from scrm.infra import clock
from scrm.models import Staff
from scrm.services.reports_catalog import Column, Report

CODES = {
    # stages (a corp may rename them: unknown names show as they are), lead statuses
    **labels.STAGES,
    **labels.LEAD_STATUS,
    **labels.QUOTE_STATUS,
    **labels.APPROVAL_LEVELS,
    **labels.LOST_REASONS,
    # measures, dimensions, risks
    "lead_to_won": "线索到赢单",
    "opportunity_to_won": "商机到赢单",
    "all": "全部",
    "member": "成员",
    "product": "产品",
    "next_step_overdue": "下一步已逾期",
    "close_date_passed": "预计成交日已过",
    "discount_over_tier": "折扣超出自批权限",
    "idle_before_close": "30天内成交但7天无活动",
}
TOTAL = "合计"


async def staff_names(corp_id: int) -> dict[str, str]:
    return dict(await Staff.filter(corp_id=corp_id).values_list("userid", "name"))


def cell(column: Column, value: Any, names: dict[str, str], tz: str) -> Any:
    """The typed value a spreadsheet cell gets: numbers stay numbers (元 and ratios),
    codes and people become Chinese text, instants the corp's local time."""
    if value is None or value == "":
        return TOTAL if column.kind == "user" and value == "" else ""
    kind = column.kind
    if kind == "money":
        return round(value / 100, 2)
    if kind == "bp":
        return round(value / 10_000, 4)
    if kind == "user":
        name = names.get(value)
        return f"{name}（{value}）" if name and name != value else value
    if kind == "code":
        return CODES.get(value, value)
    if kind == "codes":
        return "、".join(CODES.get(v, v) for v in value)
    if kind == "time" and isinstance(value, datetime):
        return clock.when(value, tz)
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    return value


def text(column: Column, value: Any) -> str:
    """How the page and the CSV write a typed cell."""
    if value == "" or value is None:
        return ""
    if column.kind in ("pct", "bp"):
        return f"{value * 100:.2f}%"
    if column.kind == "money":
        return f"{value:,.2f}"
    return str(value)


def table(
    report: Report, rows: list[dict[str, Any]], names: dict[str, str], tz: str
) -> list[list[Any]]:
    """Typed cells, one list per row, in the report's column order."""
    return [[cell(c, r.get(c.key), names, tz) for c in report.columns] for r in rows]


def headers(report: Report) -> list[str]:
    return [c.label for c in report.columns]
