"""When a step is due: wall-clock times in the corp's zone turned into UTC instants."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scrm.infra.schedule import parse_hhmm
from scrm.sop.schemas import Schedule


def at(day: date, hhmm: time, zone: ZoneInfo) -> datetime:
    """The instant `hhmm` on `day` in `zone`. zoneinfo resolves DST gaps and folds (fold=0:
    the first of two repeated times), so schedules stay correct in zones that have DST."""
    return datetime.combine(day, hhmm, tzinfo=zone)


def _days(start: date, end: date) -> Iterator[date]:
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def due_times(
    schedule: Schedule, *, created: datetime | None, start: datetime, end: datetime, zone: ZoneInfo
) -> list[datetime]:
    """Every due instant of the schedule within [start, end) (UTC-aware datetimes)."""
    hhmm = parse_hhmm(schedule.at)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    out: list[datetime] = []
    if schedule.kind == "offset":
        if created is not None and schedule.day is not None:
            out.append(
                at(created.astimezone(zone).date() + timedelta(days=schedule.day), hhmm, zone)
            )
    elif schedule.kind == "dates":
        out.extend(at(d, hhmm, zone) for d in schedule.dates)
    elif schedule.kind == "weekly":
        out.extend(
            at(d, hhmm, zone) for d in _days(first, last) if d.isoweekday() in schedule.weekdays
        )
    else:  # monthly: a day past the month's end means its last day (31 → 30 Apr, 28/29 Feb)
        for d in _days(first, last):
            month_end = calendar.monthrange(d.year, d.month)[1]
            wanted = {min(m, month_end) for m in schedule.month_days}
            if d.day in wanted:
                out.append(at(d, hhmm, zone))
    return sorted(t for t in out if start <= t < end)
