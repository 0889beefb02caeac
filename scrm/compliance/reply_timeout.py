"""Reply timeouts: a customer's message left unanswered for N working minutes is an alert.

Computed from the archived messages alone, so the answer is the same whenever the scan runs:
a stretch of customer messages with no staff reply is a timeout when the reply came (or has
still not come) after the deadline. The stretch's first message is its identity, so one
stretch raises one alert, whether it was caught while waiting or after a late reply."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scrm.compliance.alerts import raise_alert
from scrm.compliance.team_settings import settings_for, terms_for
from scrm.infra import clock, schedule
from scrm.models import Alert, ChatMessage, Corp, Staff

LOOKBACK = timedelta(days=7)  # covers a long weekend between the message and the deadline
_IDLE_DAYS = 8  # a schedule closed this long has no working time at all


def open_spans(hours: dict[str, Any], day: date, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The day's working windows as instants, read the way live-code schedules are
    (`scrm.infra.schedule.is_open`): a window whose end is before its start runs past midnight."""
    spans = []
    for start, end in schedule.parse_windows(hours.get(str(day.isoweekday()), [])):
        begins = datetime.combine(day, start, tz)
        ends_day = day if start < end and end != time.max else day + timedelta(days=1)
        spans.append((begins, datetime.combine(ends_day, time(0) if end == time.max else end, tz)))
    return sorted(spans)


def deadline(
    start: datetime, minutes: int, hours: dict[str, Any], tz: ZoneInfo
) -> datetime | None:
    """`start` plus `minutes` of working time; no working hours means every minute counts.
    None when the schedule has no working time ahead. Walks windows day by day (from the day
    before, whose window may run past midnight), never minute by minute: the scan asks this
    for every waiting chat each minute."""
    if not hours:
        return start + timedelta(minutes=minutes)
    cursor, remaining = start.astimezone(tz), timedelta(minutes=minutes)
    day, idle = cursor.date() - timedelta(days=1), 0
    while idle < _IDLE_DAYS:
        spans = open_spans(hours, day, tz)
        idle = 0 if spans else idle + 1
        for begins, ends in spans:
            begins = max(begins, cursor)  # also drops what an earlier window already counted
            if ends <= begins:
                continue
            if begins + remaining <= ends:
                return (begins + remaining).astimezone(UTC)
            remaining -= ends - begins
            cursor = ends
        day += timedelta(days=1)
    return None


@dataclass
class Stretch:
    """Customer messages in a row in one staff↔customer chat, and when (if) staff answered."""

    staff_userid: str
    external_userid: str
    messages: list[dict[str, Any]]
    replied_at: datetime | None


def stretches(rows: list[dict[str, Any]]) -> list[Stretch]:
    """Rows in time order → the stretches of unanswered customer messages."""
    waiting: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    found: list[Stretch] = []
    for row in rows:
        pair = (row["staff_userid"], row["external_userid"])
        if row["direction"] == "customer_to_staff":
            waiting[pair].append(row)
        elif waiting[pair]:
            found.append(Stretch(*pair, waiting.pop(pair), row["msgtime"]))
    found.extend(Stretch(*pair, msgs, None) for pair, msgs in waiting.items() if msgs)
    return found


async def scan(corp: Corp, now: datetime) -> list[Alert]:
    """Raise an alert for every stretch past its deadline (idempotent)."""
    rows = await (
        ChatMessage.filter(
            corp_id=corp.id,
            msgtime__gte=now - LOOKBACK,
            msgtime__lte=now,
            direction__in=("customer_to_staff", "staff_to_customer"),
        )
        .exclude(staff_userid="")
        .exclude(external_userid="")
        .order_by("msgtime", "id")
        .values("msgid", "direction", "staff_userid", "external_userid", "msgtime", "text")
    )
    settings = await settings_for(corp.id)
    tz = clock.zone(corp.timezone)
    candidates = [s for s in stretches(rows) if _waited(s, now) >= timedelta(minutes=1)]
    keys = [f"reply_timeout:{s.messages[0]['msgid']}" for s in candidates]
    done = set(
        await Alert.filter(corp_id=corp.id, dedup_key__in=keys).values_list("dedup_key", flat=True)
    )
    staff = {
        s.userid: s
        for s in await Staff.filter(
            corp_id=corp.id, userid__in={c.staff_userid for c in candidates}
        )
    }
    raised = []
    for stretch, key in zip(candidates, keys, strict=True):
        if key in done:
            continue
        terms = terms_for(settings, staff.get(stretch.staff_userid))
        # Working time never exceeds wall time: a short wait needs no calendar walk.
        if _waited(stretch, now) < timedelta(minutes=terms.minutes):
            continue
        first = stretch.messages[0]
        due = deadline(_utc(first["msgtime"]), terms.minutes, terms.working_hours, tz)
        end = stretch.replied_at or now
        if due is None or _utc(end) <= due:
            continue
        alert = await raise_alert(
            corp.id,
            kind="reply_timeout",
            dedup_key=key,
            occurred_at=due,
            severity="medium",
            context="\n".join(f"客户：{m['text']}" for m in stretch.messages[-5:]),
            staff_userid=stretch.staff_userid,
            external_userid=stretch.external_userid,
            msgid=first["msgid"],
            details={
                "minutes": terms.minutes,
                "waiting_since": _utc(first["msgtime"]).isoformat(),
                "deadline": due.isoformat(),
                "replied_at": _utc(stretch.replied_at).isoformat() if stretch.replied_at else None,
                "messages": len(stretch.messages),
            },
        )
        if alert is not None:
            raised.append(alert)
    return raised


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored instant is UTC (decision 0009).
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _waited(stretch: Stretch, now: datetime) -> timedelta:
    return _utc(stretch.replied_at or now) - _utc(stretch.messages[0]["msgtime"])
