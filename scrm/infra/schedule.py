"""Working schedules of live codes: weekday windows (may cross midnight) and special dates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

Window = tuple[time, time]


def parse_hhmm(value: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes)) if value != "24:00" else time.max
    except ValueError as exc:
        raise ValueError(f"{value!r} is not HH:MM") from exc


def parse_windows(raw: Any) -> list[Window]:
    """[["09:00", "18:00"], ["22:00", "02:00"]] → windows; a clear error for anything else."""
    if not isinstance(raw, list):
        raise ValueError("windows must be a list of [start, end] pairs")
    windows = []
    for pair in raw:
        if not (isinstance(pair, list | tuple) and len(pair) == 2):
            raise ValueError(f"{pair!r} is not a [start, end] pair")
        start, end = parse_hhmm(str(pair[0])), parse_hhmm(str(pair[1]))
        if start == end:
            raise ValueError(f"window {pair!r} is empty")
        windows.append((start, end))
    return windows


def validate(schedule: dict[str, Any], special_dates: dict[str, Any]) -> None:
    for day, windows in schedule.items():
        if day not in {"1", "2", "3", "4", "5", "6", "7"}:
            raise ValueError(f"schedule day {day!r} must be an ISO weekday 1 (Mon) … 7 (Sun)")
        parse_windows(windows)
    for day, windows in special_dates.items():
        date.fromisoformat(day)
        parse_windows(windows)


def _windows_for(day: date, schedule: dict[str, Any], special: dict[str, Any]) -> list[Window]:
    raw = special.get(day.isoformat())
    if raw is None:
        raw = schedule.get(str(day.isoweekday()), [])
    return parse_windows(raw)


def is_open(schedule: dict[str, Any], special: dict[str, Any], local: datetime) -> bool:
    """Is `local` (the corp's wall clock) inside the schedule? No schedule means always.

    A window whose end is before its start runs past midnight: ["22:00", "02:00"] on Friday
    covers Friday 22:00–24:00 and Saturday 00:00–02:00 (Saturday's own windows still apply)."""
    if not schedule and not special:
        return True
    t, today = local.time(), local.date()
    for start, end in _windows_for(today, schedule, special):
        if start < end and start <= t < end:
            return True
        if start > end and t >= start:
            return True
    for start, end in _windows_for(today - timedelta(days=1), schedule, special):
        if start > end and t < end:
            return True
    return False


def next_boundary(schedule: dict[str, Any], special: dict[str, Any], local: datetime) -> datetime:
    """The next minute at which `is_open` may change (for the eligibility cron)."""
    state = is_open(schedule, special, local)
    probe = local.replace(second=0, microsecond=0)
    for _ in range(8 * 24 * 60):  # a week and a day of minutes, always enough
        probe += timedelta(minutes=1)
        if is_open(schedule, special, probe) != state:
            return probe
    return probe
