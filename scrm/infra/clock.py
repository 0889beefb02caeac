"""The one clock: every instant a user reads is shown in the corp's time zone, as
`2026-12-04 02:40` (seconds only where a page needs them, e.g. chat messages)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
FORMAT = "%Y-%m-%d %H:%M"
FORMAT_SECONDS = "%Y-%m-%d %H:%M:%S"


def zone(name: str | None) -> ZoneInfo:
    """A corp's zone from its `timezone`: empty or unknown is DEFAULT_ZONE (like the reports'
    SQL funnel_zone), so a bad setting never stops a page or a job."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def when(value: datetime | str | None, tz: ZoneInfo | str | None, seconds: bool = False) -> str:
    """An instant (aware datetime or ISO text; naive means UTC) as corp-local text; "" if none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    place = tz if isinstance(tz, ZoneInfo) else zone(tz)
    return value.astimezone(place).strftime(FORMAT_SECONDS if seconds else FORMAT)
