"""What can be exported: every report, and the lists (customers, leads, opportunities,
alerts), each with Chinese headers, the caller's data scope, and phones masked by role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from scrm.models import Alert, Customer, Lead, Opportunity, Stage
from scrm.services import reports_display
from scrm.services.reports_catalog import REPORTS
from scrm.services.reports_common import NOBODY, Scope

LISTS = {"leads": "线索", "customers": "客户", "opportunities": "商机", "alerts": "合规告警"}
PHONE_ROLES = ("admin",)  # who sees whole phone numbers in an export (decision 0019)
BATCH = 2_000
LEAD_STATUS = {
    "new": "新线索",
    "mql": "MQL",
    "sql": "SQL",
    "converted": "已转化",
    "lost": "已流失",
}
ALERT_STATUS = {
    "open": "未处理",
    "acknowledged": "已确认",
    "resolved": "已解决",
    "false_positive": "误报",
}


@dataclass(frozen=True)
class Request:
    """One export as asked: the source, the scope, the role and the list filters."""

    source: str  # a report key, or one of LISTS
    scope: Scope
    role: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def phones(self) -> bool:
        return self.role in PHONE_ROLES


def title(source: str) -> str:
    return REPORTS[source].title if source in REPORTS else LISTS[source]


def known(source: str) -> bool:
    return source in REPORTS or source in LISTS


def masked(phone: str | None) -> str:
    phone = phone or ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else ""


def _local(value: datetime | None, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if value else ""


def _leads(req: Request) -> QuerySet[Lead]:
    q = Lead.filter(corp_id=req.scope.corp_id, merged_into_id=None)
    owners = req.scope.people()
    if owners is not None:  # as GET /api/v1/leads: their own, their team's, and the pool
        q = q.filter(Q(owner_userid__in=owners or [NOBODY]) | Q(in_pool=True))
    for name in ("status", "grade", "channel"):
        if req.params.get(name):
            q = q.filter(**{name: req.params[name]})
    return q


def _opportunities(req: Request) -> QuerySet[Opportunity]:
    q = Opportunity.filter(corp_id=req.scope.corp_id)
    owners = req.scope.people()
    return q if owners is None else q.filter(owner_userid__in=owners or [NOBODY])


def _customers(req: Request) -> QuerySet[Customer]:
    q = Customer.filter(corp_id=req.scope.corp_id)
    owners = req.scope.people()
    if owners is not None:  # customers one of them is a friend of
        q = q.filter(follows__staff__userid__in=owners or [NOBODY]).distinct()
    return q


def _alerts(req: Request) -> QuerySet[Alert]:
    q = Alert.filter(corp_id=req.scope.corp_id)
    owners = req.scope.people()
    if req.params.get("status"):
        q = q.filter(status=req.params["status"])
    return q if owners is None else q.filter(staff_userid__in=owners or [NOBODY])


HEADERS: dict[str, tuple[tuple[str, str], ...]] = {
    "leads": (
        ("ID", "int"),
        ("姓名", "text"),
        ("手机", "text"),
        ("渠道", "text"),
        ("活动", "text"),
        ("城市", "text"),
        ("评分", "int"),
        ("等级", "text"),
        ("状态", "text"),
        ("负责人", "text"),
        ("在公海", "text"),
        ("创建时间", "text"),
    ),
    "opportunities": (
        ("ID", "int"),
        ("商机", "text"),
        ("负责人", "text"),
        ("阶段", "text"),
        ("金额（元）", "money"),
        ("预测类别", "text"),
        ("下一步", "text"),
        ("下一步日期", "text"),
        ("预计成交", "text"),
        ("创建时间", "text"),
    ),
    "customers": (
        ("外部联系人ID", "text"),
        ("名称", "text"),
        ("企业", "text"),
        ("手机", "text"),
        ("首次渠道", "text"),
        ("最近活动", "text"),
        ("添加时间", "text"),
    ),
    "alerts": (
        ("ID", "int"),
        ("类型", "text"),
        ("级别", "text"),
        ("员工", "text"),
        ("客户", "text"),
        ("敏感词", "text"),
        ("内容", "text"),
        ("状态", "text"),
        ("发生时间", "text"),
    ),
}
FORECAST = {
    "pipeline": "Pipeline",
    "best_case": "Best Case",
    "commit": "Commit",
    "closed": "Closed",
    "omitted": "已排除",
}
ALERT_KIND = {"word": "敏感词", "action": "敏感行为", "reply_timeout": "回复超时"}
SEVERITY = {"low": "低", "medium": "中", "high": "高", "critical": "严重"}


def headers(source: str) -> tuple[list[str], list[str]]:
    """(Chinese headers, cell kinds) of a source."""
    if source in REPORTS:
        columns = REPORTS[source].columns
        return [c.label for c in columns], [c.kind for c in columns]
    pairs = HEADERS[source]
    return [h for h, _ in pairs], [k for _, k in pairs]


async def count(req: Request) -> int:
    """How many rows the export will have (a report: its rows; a list: the query's)."""
    if req.source in REPORTS:
        return len(await REPORTS[req.source].fetch(req.scope, req.params))
    if req.source == "leads":
        return await _leads(req).count()
    if req.source == "opportunities":
        return await _opportunities(req).count()
    if req.source == "customers":
        return await _customers(req).count()
    return await _alerts(req).count()


@dataclass
class _Page:
    req: Request
    names: dict[str, str]
    stages: dict[int, str]

    def person(self, userid: str) -> str:
        name = self.names.get(userid)
        return f"{name}（{userid}）" if name and name != userid else userid

    def local(self, value: datetime | None) -> str:
        return _local(value, self.req.scope.tz)

    async def leads(self, after: int) -> tuple[list[list[Any]], int]:
        found = await _leads(self.req).filter(id__gt=after).order_by("id").limit(BATCH)
        phones = self.req.phones
        rows = [
            [
                x.id,
                x.name,
                x.phone if phones else masked(x.phone),
                x.channel,
                x.campaign,
                x.city,
                x.score,
                x.grade,
                LEAD_STATUS.get(x.status, x.status),
                self.person(x.owner_userid),
                "是" if x.in_pool else "否",
                self.local(x.created_at),
            ]
            for x in found
        ]
        return rows, found[-1].id if found else after

    async def opportunities(self, after: int) -> tuple[list[list[Any]], int]:
        found = await _opportunities(self.req).filter(id__gt=after).order_by("id").limit(BATCH)
        rows = []
        for o in found:
            stage = self.stages.get(o.stage_id, "")  # type: ignore[attr-defined]
            rows.append(
                [
                    o.id,
                    o.name,
                    self.person(o.owner_userid),
                    reports_display.CODES.get(stage, stage),
                    round(o.amount / 100, 2),
                    FORECAST.get(o.forecast_category, o.forecast_category),
                    o.next_step,
                    o.next_step_date.isoformat() if o.next_step_date else "",
                    o.expected_close.isoformat() if o.expected_close else "",
                    self.local(o.created_at),
                ]
            )
        return rows, found[-1].id if found else after

    async def customers(self, after: int) -> tuple[list[list[Any]], int]:
        found = await _customers(self.req).filter(id__gt=after).order_by("id").limit(BATCH)
        phones = self.req.phones
        rows: list[list[Any]] = [
            [
                c.external_userid,
                c.name,
                c.corp_name,
                c.phone if phones else masked(c.phone),
                c.first_channel,
                self.local(c.last_activity_at),
                self.local(c.created_at),
            ]
            for c in found
        ]
        return rows, found[-1].id if found else after

    async def alerts(self, after: int) -> tuple[list[list[Any]], int]:
        found = await _alerts(self.req).filter(id__gt=after).order_by("id").limit(BATCH)
        rows: list[list[Any]] = [
            [
                a.id,
                ALERT_KIND.get(a.kind, a.kind),
                SEVERITY.get(a.severity, a.severity),
                self.person(a.staff_userid),
                a.external_userid,
                a.word,
                a.context,
                ALERT_STATUS.get(a.status, a.status),
                self.local(a.occurred_at),
            ]
            for a in found
        ]
        return rows, found[-1].id if found else after


async def batches(req: Request) -> AsyncIterator[list[list[Any]]]:
    """Typed cells in batches of BATCH rows, walking ids upward (no OFFSET at 100 000 rows)."""
    names = await reports_display.staff_names(req.scope.corp_id)
    if req.source in REPORTS:
        report = REPORTS[req.source]
        rows = await report.fetch(req.scope, req.params)
        yield reports_display.table(report, rows, names, req.scope.tz)
        return
    stages = dict(await Stage.filter(corp_id=req.scope.corp_id).values_list("id", "name"))
    page = _Page(req, names, stages)
    step = {
        "leads": page.leads,
        "opportunities": page.opportunities,
        "customers": page.customers,
        "alerts": page.alerts,
    }[req.source]
    after = 0
    while True:
        found, after = await step(after)
        if not found:
            return
        yield found
