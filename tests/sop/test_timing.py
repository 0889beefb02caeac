"""Due times: day N after creation, dates, weekly, month ends, DST, windows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from scrm.sop.schemas import PlanSpec, Schedule
from scrm.sop.timing import due_times

SH = ZoneInfo("Asia/Shanghai")


def window(a: str, b: str) -> dict[str, datetime]:
    return {"start": datetime.fromisoformat(a), "end": datetime.fromisoformat(b)}


def test_day_n_follows_each_groups_creation_day_in_the_corps_zone() -> None:
    s = Schedule(kind="offset", day=3, at="09:30")
    # Created 2026-11-30 23:30 Shanghai (15:30 UTC): its day 0 is Nov 30, day 3 is Dec 3.
    late = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    early = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 Dec 1 in Shanghai
    w = window("2026-11-30T00:00+00:00", "2026-12-10T00:00+00:00")
    assert due_times(s, created=late, zone=SH, **w) == [datetime(2026, 12, 3, 9, 30, tzinfo=SH)]
    assert due_times(s, created=early, zone=SH, **w) == [datetime(2026, 12, 4, 9, 30, tzinfo=SH)]


def test_monthly_clamps_to_month_end_and_weekly_crosses_months() -> None:
    monthly = Schedule(kind="monthly", month_days=[31], at="20:00")
    w = window("2027-01-01T00:00+08:00", "2027-05-01T00:00+08:00")
    got = [d.date() for d in due_times(monthly, created=None, zone=SH, **w)]
    assert got == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    weekly = Schedule(kind="weekly", weekdays=[1, 5], at="10:00")
    w = window("2027-04-29T00:00+08:00", "2027-05-11T00:00+08:00")
    got = [d.date() for d in due_times(weekly, created=None, zone=SH, **w)]
    assert got == [date(2027, 4, 30), date(2027, 5, 3), date(2027, 5, 7), date(2027, 5, 10)]


def test_wall_clock_is_kept_across_dst_in_zones_that_have_it() -> None:
    ny = ZoneInfo("America/New_York")
    s = Schedule(kind="weekly", weekdays=[6, 7], at="09:00")  # around 2027-03-14 (DST starts)
    w = window("2027-03-13T00:00-05:00", "2027-03-15T00:00-04:00")
    got = due_times(s, created=None, zone=ny, **w)
    assert [d.astimezone(UTC).hour for d in got] == [14, 13]  # 09:00 EST, then 09:00 EDT


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"target": {}}, "target is empty"),
        (
            {
                "steps": [
                    {
                        "id": "a",
                        "schedule": {"kind": "offset", "day": 1, "at": "09:00"},
                        "text": "x",
                    }
                ]
                * 2
            },
            "unique",
        ),
        (
            {
                "steps": [
                    {
                        "id": "a",
                        "schedule": {"kind": "weekly", "weekdays": [8], "at": "09:00"},
                        "text": "x",
                    }
                ]
            },
            "ISO",
        ),
        (
            {"steps": [{"id": "a", "schedule": {"kind": "offset", "at": "09:00"}, "text": "x"}]},
            "needs day",
        ),
        (
            {
                "steps": [
                    {
                        "id": "a",
                        "schedule": {"kind": "offset", "day": 1, "at": "25:00"},
                        "text": "x",
                    }
                ]
            },
            "HH:MM",
        ),
        (
            {"steps": [{"id": "a", "schedule": {"kind": "offset", "day": 1, "at": "09:00"}}]},
            "needs text",
        ),
        ({"remind_after_minutes": 60, "escalate_after_minutes": 30}, "escalate"),
    ],
)
def test_bad_plans_are_refused_with_the_reason(spec: dict, message: str) -> None:  # type: ignore[type-arg]
    base = {
        "name": "p",
        "target": {"owners": ["zs"]},
        "steps": [
            {"id": "a", "schedule": {"kind": "offset", "day": 1, "at": "09:00"}, "text": "hi"}
        ],
    }
    with pytest.raises(ValidationError, match=message):
        PlanSpec.model_validate({**base, **spec})
