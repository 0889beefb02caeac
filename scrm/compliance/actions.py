"""Sensitive actions from callbacks: recorded once per event, then weighed against the rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from scrm.compliance.alerts import raise_alert
from scrm.infra import clock
from scrm.models import ActionEvent, Alert, ComplianceRule, Corp, GroupChat, Staff
from scrm.services import display_names

# What each kind means in an alert (admins read Chinese).
KINDS = {
    "staff_deleted_customer": "删除了客户",
    "customer_deleted_staff": "被客户删除",
    "transfer_failed": "客户继承失败",
    "group_dismissed": "解散了客户群",
}


@dataclass(frozen=True)
class Rule:
    """A stored rule, or one of the defaults that apply while a corp has stored none."""

    id: int | None
    kind: str
    threshold: int
    window_minutes: int
    severity: str


# Every staff deletion is worth a look; more than five a day is critical (the example).
DEFAULT_RULES = (
    Rule(None, "staff_deleted_customer", 1, 1440, "medium"),
    Rule(None, "staff_deleted_customer", 6, 1440, "critical"),
    Rule(None, "customer_deleted_staff", 5, 1440, "high"),
    Rule(None, "transfer_failed", 1, 1440, "low"),
    Rule(None, "group_dismissed", 1, 1440, "medium"),
)


async def rules_for(corp_id: int, kind: str) -> list[Rule]:
    stored = await ComplianceRule.filter(corp_id=corp_id)
    if not stored:
        return [r for r in DEFAULT_RULES if r.kind == kind]
    return [
        Rule(r.id, r.kind, r.threshold, r.window_minutes, r.severity)
        for r in stored
        if r.kind == kind and r.enabled
    ]


async def record(
    corp: Corp,
    kind: str,
    *,
    staff_userid: str,
    at: datetime,
    dedup_key: str,
    external_userid: str = "",
    chat_id: str = "",
    details: dict[str, Any] | None = None,
) -> list[Alert]:
    """Store the action (a WeCom retry finds it stored) and raise what the rules ask for.

    Rules are evaluated on retries too: a crash after the insert must not lose the alert,
    and raising is itself idempotent."""
    if kind not in KINDS:
        raise ValueError(f"unknown action kind {kind!r}")
    dedup_key = f"{kind}:{dedup_key}"[:160]
    try:
        event = await ActionEvent.create(
            corp_id=corp.id,
            kind=kind,
            staff_userid=staff_userid,
            external_userid=external_userid,
            chat_id=chat_id,
            at=at.astimezone(UTC),
            dedup_key=dedup_key,
        )
    except IntegrityError:
        event = await ActionEvent.get(corp_id=corp.id, dedup_key=dedup_key)
    raised = []
    for rule in await rules_for(corp.id, kind):
        alert = await _evaluate(corp, rule, event, details or {})
        if alert is not None:
            raised.append(alert)
    return raised


def window_of(corp: Corp, at: datetime, minutes: int) -> tuple[datetime, datetime]:
    """The fixed window holding `at`, aligned to the corp's wall clock: 1440 minutes is the
    local calendar day, 60 the clock hour. Fixed windows make "N in a window" one alert per
    window whatever order (or how many times) the events arrive."""
    tz = clock.zone(corp.timezone)
    wall = at.astimezone(tz).replace(tzinfo=UTC)  # the local clock reading, counted as UTC
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    index = int((wall - epoch).total_seconds() // (minutes * 60))
    start = epoch + timedelta(minutes=index * minutes)
    end = start + timedelta(minutes=minutes)
    return start.replace(tzinfo=tz).astimezone(UTC), end.replace(tzinfo=tz).astimezone(UTC)


async def _evaluate(
    corp: Corp, rule: Rule, event: ActionEvent, details: dict[str, Any]
) -> Alert | None:
    rule_key = rule.id if rule.id is not None else f"default-{rule.threshold}"
    staff = await Staff.get_or_none(corp_id=corp.id, userid=event.staff_userid)
    who = staff.name if staff and staff.name else event.staff_userid or "（未知成员）"
    columns: dict[str, Any] = {
        "staff_userid": event.staff_userid,
        "rule_id": rule.id,
        "severity": rule.severity,
        "occurred_at": event.at,
    }
    if rule.threshold <= 1:  # every event is an alert of its own
        target = await _target(corp, event)
        return await raise_alert(
            corp.id,
            kind="action",
            dedup_key=f"action:{rule_key}:{event.dedup_key}",
            context=f"{who} {KINDS[event.kind]}{target}",
            external_userid=event.external_userid,
            chat_id=event.chat_id,
            details={"action": event.kind, "event_id": event.id, **details},
            **columns,
        )
    start, end = window_of(corp, event.at, rule.window_minutes)
    events = await ActionEvent.filter(
        corp_id=corp.id,
        kind=event.kind,
        staff_userid=event.staff_userid,
        at__gte=start,
        at__lt=end,
    ).order_by("at", "id")
    if len(events) < rule.threshold:
        return None
    return await raise_alert(
        corp.id,
        kind="action",
        dedup_key=f"action:{rule_key}:{event.staff_userid}:{start.isoformat()}",
        context=(
            f"{who} 在 {rule.window_minutes} 分钟窗口内{KINDS[event.kind]} {len(events)} 次"
            f"（阈值 {rule.threshold}）"
        ),
        details={
            "action": event.kind,
            "count": len(events),
            "threshold": rule.threshold,
            "window_start": start.isoformat(),
            "window_minutes": rule.window_minutes,
            "external_userids": [e.external_userid for e in events if e.external_userid],
            "chat_ids": [e.chat_id for e in events if e.chat_id],
        },
        **columns,
    )


async def _target(corp: Corp, event: ActionEvent) -> str:
    """The group's name, or the customer's name (or this member's remark), else the id."""
    if event.chat_id:
        chat = await GroupChat.get_or_none(corp_id=corp.id, chat_id=event.chat_id)
        return f"「{chat.name if chat and chat.name else event.chat_id}」"
    if not event.external_userid:
        return ""
    return f"「{await display_names.name(corp.id, event.external_userid, event.staff_userid)}」"
