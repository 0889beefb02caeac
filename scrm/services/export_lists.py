"""The list exports (customers, leads, opportunities, alerts): their scope, Chinese headers
and rows, phones masked below the roles that may see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from scrm import labels
from scrm.enums import Grade, LeadStatus, members
from scrm.infra import clock
from scrm.models import Alert, Customer, Lead, Opportunity
from scrm.services import display_names, reports_display
from scrm.services.reports_common import NOBODY, Scope

LISTS = {
    "leads": "线索",
    "customers": "客户",
    "opportunities": "商机",
    "alerts": "合规告警",
    "mass_send_recipients": "群发明细",
}
PHONE_ROLES = ("admin",)  # who sees whole phone numbers in an export (decision 0019)
BATCH = 2_000
LEAD_STATUS = labels.LEAD_STATUS
ALERT_STATUS = labels.ALERT_STATUS


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


def masked(phone: str | None) -> str:
    phone = phone or ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else ""


def _local(value: datetime | None, tz: str) -> str:
    return clock.when(value, tz)


def leads_query(req: Request) -> QuerySet[Lead]:
    q = Lead.filter(corp_id=req.scope.corp_id, merged_into_id=None)
    owners = req.scope.people()
    if owners is not None:  # as GET /api/v1/leads: their own, their team's, and the pool
        q = q.filter(Q(owner_userid__in=owners or [NOBODY]) | Q(in_pool=True))
    if req.params.get("channel"):
        q = q.filter(channel=req.params["channel"])
    for name, closed in (("status", LeadStatus), ("grade", Grade)):
        if req.params.get(name):  # a value outside the set matches no lead
            q = q.filter(**{f"{name}__in": members(closed, [req.params[name]])})
    return q


def opportunities_query(req: Request) -> QuerySet[Opportunity]:
    q = Opportunity.filter(corp_id=req.scope.corp_id)
    owners = req.scope.people()
    return q if owners is None else q.filter(owner_userid__in=owners or [NOBODY])


def customers_query(req: Request) -> QuerySet[Customer]:
    q = Customer.filter(corp_id=req.scope.corp_id)
    owners = req.scope.people()
    if owners is not None:  # customers one of them is a friend of
        q = q.filter(follows__staff__userid__in=owners or [NOBODY]).distinct()
    return q


def alerts_query(req: Request) -> QuerySet[Alert]:
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
FORECAST = labels.FORECAST
ALERT_KIND = labels.ALERT_KIND
SEVERITY = labels.SEVERITY


@dataclass
class Page:
    req: Request
    names: dict[str, str]
    stages: dict[int, str]

    def person(self, userid: str) -> str:
        name = self.names.get(userid)
        return f"{name}（{userid}）" if name and name != userid else userid

    def local(self, value: datetime | None) -> str:
        return _local(value, self.req.scope.tz)

    async def leads(self, after: int) -> tuple[list[list[Any]], int]:
        found = await leads_query(self.req).filter(id__gt=after).order_by("id").limit(BATCH)
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
        found = (
            await opportunities_query(self.req).filter(id__gt=after).order_by("id").limit(BATCH)
        )
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
        found = await customers_query(self.req).filter(id__gt=after).order_by("id").limit(BATCH)
        phones = self.req.phones
        names = await customer_names(self.req.scope.corp_id, [c.external_userid for c in found])
        rows: list[list[Any]] = [
            [
                c.external_userid,
                names[c.external_userid],
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
        found = await alerts_query(self.req).filter(id__gt=after).order_by("id").limit(BATCH)
        ids = [a.external_userid for a in found if a.external_userid]
        names = await customer_names(self.req.scope.corp_id, ids)
        rows: list[list[Any]] = [
            [
                a.id,
                ALERT_KIND.get(a.kind, a.kind),
                SEVERITY.get(a.severity, a.severity),
                self.person(a.staff_userid),
                names.get(a.external_userid, ""),
                a.word,
                a.context,
                ALERT_STATUS.get(a.status, a.status),
                self.local(a.occurred_at),
            ]
            for a in found
        ]
        return rows, found[-1].id if found else after


async def customer_names(corp_id: int, external_userids: list[str]) -> dict[str, str]:
    """Customer name → a relation's remark → the id (the shared rule in display_names)."""
    people = await display_names.customers(corp_id, external_userids)
    return {e: (people[e].name if e in people else e) for e in external_userids}
