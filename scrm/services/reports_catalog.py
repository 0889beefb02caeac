"""Every report once: its key, Chinese title and columns, chart, drill-down and fetcher.
The JSON API, the 报表 pages and the CSV/XLSX exports all read the same rows from here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from scrm.services import (
    reports,
    reports_activity,
    reports_channels,
    reports_forecast,
    reports_health,
    reports_mass_send,
    reports_sales,
)
from scrm.services.reports_common import Scope, planned

Fetch = Callable[[Scope, dict[str, str]], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text|int|money|pct|bp|days|min|user|code|codes|time|date


@dataclass(frozen=True)
class Report:
    key: str
    title: str
    columns: tuple[Column, ...]
    fetch: Fetch
    chart: tuple[str, str, tuple[str, ...]] | None = None  # (type, label column, series)
    # How a row leads to its records: ("opportunity", "id") links each row to one deal;
    # ("leads" | "won" | "closed" | "quotes", column) lists the records of that group.
    drill: tuple[str, str] | None = None
    params: tuple[str, ...] = field(default=())
    # Reports that can run long (one row per deal) count in SQL and honour params["limit"].
    count: Callable[[Scope, dict[str, str]], Awaitable[int]] | None = None


def _funnel(by: str) -> Fetch:
    async def fetch(scope: Scope, params: dict[str, str]) -> list[dict[str, Any]]:
        return await reports.funnel(
            scope.corp_id,
            by,
            scope.since,
            scope.until,
            owners=scope.people(),
            channel=scope.channel,
        )

    return fetch


def _plain(fn: Callable[[Scope], Awaitable[list[dict[str, Any]]]]) -> Fetch:
    async def fetch(scope: Scope, params: dict[str, str]) -> list[dict[str, Any]]:
        return await fn(scope)

    return fetch


def _at_now(
    fn: Callable[[Scope, datetime, int | None], Awaitable[list[dict[str, Any]]]],
) -> Fetch:
    async def fetch(scope: Scope, params: dict[str, str]) -> list[dict[str, Any]]:
        limit = params.get("limit", "")
        return await fn(scope, datetime.now(UTC), int(limit) if limit.isdigit() else None)

    return fetch


def _count_now(fn: Callable[[Scope, datetime], Awaitable[int]]) -> Callable[..., Awaitable[int]]:
    async def count(scope: Scope, params: dict[str, str]) -> int:
        return await fn(scope, datetime.now(UTC))

    return count


async def _forecast(scope: Scope, params: dict[str, str]) -> list[dict[str, Any]]:
    month = params.get("month") or datetime.now(scope.zone()).strftime("%Y-%m")
    return await reports_forecast.rollup(scope, month)


FUNNEL_COLUMNS = (
    Column("leads", "线索", "int"),
    Column("mql", "MQL", "int"),
    Column("sql", "SQL", "int"),
    Column("opportunities", "商机", "int"),
    Column("won", "赢单", "int"),
    Column("mql_rate", "线索→MQL", "pct"),
    Column("sql_rate", "MQL→SQL", "pct"),
    Column("opportunity_rate", "SQL→商机", "pct"),
    Column("win_rate", "商机→赢单", "pct"),
    Column("overall", "线索→赢单", "pct"),
)
FUNNEL_SERIES = ("leads", "mql", "sql", "opportunities", "won")
DEAL_ROW = (
    Column("name", "商机"),
    Column("owner_userid", "负责人", "user"),
    Column("stage", "阶段", "code"),
    Column("amount", "金额（元）", "money"),
    Column("last_activity_at", "最近活动", "time"),
)

REPORTS: dict[str, Report] = {
    r.key: r
    for r in (
        Report(
            "funnel_channel",
            "渠道漏斗",
            (Column("channel", "渠道"), *FUNNEL_COLUMNS),
            _funnel("channel"),
            ("bar", "channel", FUNNEL_SERIES),
            ("leads", "channel"),
        ),
        Report(
            "funnel_campaign",
            "活动漏斗",
            (Column("campaign", "活动"), *FUNNEL_COLUMNS),
            _funnel("campaign"),
            ("bar", "campaign", FUNNEL_SERIES),
            ("leads", "campaign"),
        ),
        Report(
            "funnel_owner",
            "成员漏斗",
            (Column("owner_userid", "负责人", "user"), *FUNNEL_COLUMNS),
            _funnel("owner_userid"),
            ("bar", "owner_userid", FUNNEL_SERIES),
            ("leads", "owner_userid"),
        ),
        Report(
            "stage_time",
            "阶段停留",
            (
                Column("stage", "阶段", "code"),
                Column("exits", "离开次数", "int"),
                Column("avg_days", "平均停留（天）", "days"),
                Column("median_days", "停留中位数（天）", "days"),
            ),
            _plain(reports_sales.stage_time),
            ("bar", "stage", ("avg_days", "median_days")),
        ),
        Report(
            "sales_cycle",
            "销售周期",
            (
                Column("measure", "口径", "code"),
                Column("deals", "赢单数", "int"),
                Column("median_days", "中位数（天）", "days"),
                Column("p90_days", "P90（天）", "days"),
            ),
            _plain(reports_sales.sales_cycle),
            ("bar", "measure", ("median_days", "p90_days")),
            ("won", ""),
        ),
        Report(
            "order_value",
            "客单价",
            (
                Column("owner_userid", "负责人", "user"),
                Column("won", "赢单数", "int"),
                Column("amount", "赢单金额（元）", "money"),
                Column("average", "平均客单价（元）", "money"),
            ),
            _plain(reports_sales.order_value),
            ("bar", "owner_userid", ("average",)),
            ("won", "owner_userid"),
        ),
        Report(
            "discounts",
            "折扣分布",
            (
                Column("group", "维度", "code"),
                Column("key", "成员/产品", "user"),
                Column("quotes", "报价数", "int"),
                Column("avg_discount_bp", "平均折扣", "bp"),
                Column("median_discount_bp", "折扣中位数", "bp"),
                Column("max_discount_bp", "最大折扣", "bp"),
                Column("needs_approval", "需审批报价", "int"),
                Column("approval_share", "需审批占比", "pct"),
            ),
            _plain(reports_sales.discounts),
            ("bar", "key", ("avg_discount_bp",)),
            ("quotes", "key"),
        ),
        Report(
            "activity",
            "活动产出",
            (
                Column("owner_userid", "成员", "user"),
                Column("week", "周"),
                Column("followups", "跟进", "int"),
                Column("calls", "通话", "int"),
                Column("tasks_done", "完成任务", "int"),
                Column("first_response_median_min", "首响中位数（分钟）", "min"),
            ),
            _plain(reports_activity.activity),
            ("bar", "owner_userid", ("followups", "calls", "tasks_done")),
        ),
        Report(
            "stagnant",
            "停滞商机",
            (
                *DEAL_ROW,
                Column("idle_days", "无活动天数", "int"),
                Column("stale_days", "阶段阈值（天）", "int"),
            ),
            _at_now(reports_health.stagnant),
            None,
            ("opportunity", "id"),
            count=_count_now(reports_health.count_stagnant),
        ),
        Report(
            "risks",
            "风险清单",
            (
                *DEAL_ROW,
                Column("next_step_date", "下一步日期", "date"),
                Column("expected_close", "预计成交", "date"),
                Column("risks", "风险", "codes"),
            ),
            _at_now(reports_health.risks),
            None,
            ("opportunity", "id"),
            count=_count_now(reports_health.count_risks),
        ),
        Report(
            "win_loss",
            "赢单/丢单",
            (
                Column("owner_userid", "负责人", "user"),
                Column("won", "赢单", "int"),
                Column("lost", "丢单", "int"),
                Column("win_rate", "赢率", "pct"),
                Column("won_amount", "赢单金额（元）", "money"),
            ),
            _plain(reports_health.win_loss),
            ("bar", "owner_userid", ("won", "lost")),
            ("closed", "owner_userid"),
        ),
        Report(
            "lost_reasons",
            "丢单原因",
            (
                Column("stage", "丢单阶段", "code"),
                Column("reason", "原因", "code"),
                Column("lost", "丢单数", "int"),
            ),
            _plain(reports_health.lost_reasons),
            ("bar", "reason", ("lost",)),
        ),
        Report(
            "channel_roi",
            "渠道ROI",
            (
                Column("channel", "渠道"),
                Column("cost", "投入（元）", "money"),
                Column("leads", "线索", "int"),
                Column("mql", "MQL", "int"),
                Column("won", "赢单", "int"),
                Column("cost_per_lead", "单线索成本（元）", "money"),
                Column("cost_per_mql", "单MQL成本（元）", "money"),
                Column("cost_per_won", "单赢单成本（元）", "money"),
                Column("revenue", "回款（元）", "money"),
                Column("roi", "ROI", "pct"),
            ),
            _plain(reports_channels.channel_roi),
            ("bar", "channel", ("cost", "revenue")),
            ("leads", "channel"),
        ),
        Report(
            "livecodes",
            "活码效果",
            (
                Column("code", "活码"),
                Column("adds", "新增", "int"),
                Column("welcome_rate", "欢迎语送达率", "pct"),
                Column("churn_7d", "7天流失率", "pct"),
                Column("churn_30d", "30天流失率", "pct"),
            ),
            _plain(reports_channels.livecode_effect),
            ("bar", "code", ("adds",)),
        ),
        Report(
            "mass_sends",
            "群发效果",
            (
                Column("name", "群发"),
                Column("chat_type", "类型"),
                Column("send_at", "发送时间", "time"),
                Column("recipients", "计划人数", "int"),
                Column("reached", "已送达", "int"),
                Column("not_friends", "非好友", "int"),
                Column("reach_rate", "送达率", "pct"),
                Column("opened", "雷达打开", "int"),
                Column("open_rate", "打开率", "pct"),
                Column("deleted_7d", "7天内删除", "int"),
                Column("delete_rate_7d", "7天删除率", "pct"),
            ),
            _plain(reports_mass_send.mass_send_effect),
            ("bar", "name", ("reached", "opened")),
        ),
        Report(
            "forecast",
            "预测与完成",
            (
                Column("owner_userid", "成员", "user"),
                Column("month", "月份"),
                Column("target", "目标（元）", "money"),
                Column("submitted", "提交承诺（元）", "money"),
                Column("closed", "已成交（元）", "money"),
                Column("commit", "承诺（元）", "money"),
                Column("best_case", "最佳情况（元）", "money"),
                Column("pipeline", "管道（元）", "money"),
                Column("forecast_error", "预测误差", "pct"),
                Column("accuracy", "预测准确率", "pct"),
                Column("coverage", "管道覆盖率", "pct"),
                Column("attainment", "完成率", "pct"),
            ),
            _forecast,
            ("bar", "owner_userid", ("submitted", "closed", "commit", "best_case")),
            ("won", "owner_userid"),
            params=("month",),
        ),
    )
}


def _planned(report: Report) -> Report:
    """The report with its fetch and count run under reports_common.planned (JIT off)."""
    fetch, count = report.fetch, report.count

    async def planned_fetch(scope: Scope, params: dict[str, str]) -> list[dict[str, Any]]:
        async with planned():
            return await fetch(scope, params)

    async def planned_count(scope: Scope, params: dict[str, str]) -> int:
        assert count is not None
        async with planned():
            return await count(scope, params)

    return replace(report, fetch=planned_fetch, count=planned_count if count else None)


REPORTS = {key: _planned(report) for key, report in REPORTS.items()}
