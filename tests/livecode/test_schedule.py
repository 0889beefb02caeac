"""Schedules: weekday windows, windows across midnight, special dates, bad definitions."""

from __future__ import annotations

from datetime import datetime

import pytest

from scrm.infra.schedule import is_open, next_boundary, validate

# 2026-11-27 is a Friday (ISO 5), 2026-11-28 a Saturday.
FRIDAY_NIGHT = {"5": [["22:00", "02:00"]]}
OFFICE = {str(d): [["09:00", "12:00"], ["13:30", "18:00"]] for d in range(1, 6)}


@pytest.mark.parametrize(
    ("schedule", "special", "when", "expected"),
    [
        ({}, {}, "2026-11-28 03:00", True),  # no schedule: always open
        (OFFICE, {}, "2026-11-27 09:00", True),
        (OFFICE, {}, "2026-11-27 12:30", False),  # lunch
        (OFFICE, {}, "2026-11-27 17:59", True),
        (OFFICE, {}, "2026-11-27 18:00", False),  # end is exclusive
        (OFFICE, {}, "2026-11-28 10:00", False),  # Saturday
        (FRIDAY_NIGHT, {}, "2026-11-27 23:30", True),
        (FRIDAY_NIGHT, {}, "2026-11-28 01:59", True),  # past midnight, still Friday's window
        (FRIDAY_NIGHT, {}, "2026-11-28 02:00", False),
        (FRIDAY_NIGHT, {}, "2026-11-27 01:00", False),  # Thursday had no night window
        (OFFICE, {"2026-11-27": []}, "2026-11-27 10:00", False),  # a holiday
        (OFFICE, {"2026-11-28": [["10:00", "12:00"]]}, "2026-11-28 11:00", True),  # make-up day
        (FRIDAY_NIGHT, {"2026-11-27": []}, "2026-11-28 01:00", False),  # holiday kills the tail
    ],
)
def test_is_open(schedule: dict, special: dict, when: str, expected: bool) -> None:  # type: ignore[type-arg]
    assert is_open(schedule, special, datetime.fromisoformat(when)) is expected


def test_next_boundary_finds_the_next_change() -> None:
    assert next_boundary(OFFICE, {}, datetime.fromisoformat("2026-11-27 11:00")) == (
        datetime.fromisoformat("2026-11-27 12:00")
    )
    assert next_boundary(OFFICE, {}, datetime.fromisoformat("2026-11-27 19:00")) == (
        datetime.fromisoformat("2026-11-30 09:00")  # over the weekend
    )


@pytest.mark.parametrize(
    ("schedule", "special", "message"),
    [
        ({"8": [["09:00", "10:00"]]}, {}, "ISO weekday"),
        ({"1": [["9am", "10:00"]]}, {}, "HH:MM"),
        ({"1": [["09:00", "09:00"]]}, {}, "empty"),
        ({"1": [["09:00"]]}, {}, "pair"),
        ({}, {"2026-13-01": []}, "month"),
    ],
)
def test_bad_definitions_say_why(schedule: dict, special: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        validate(schedule, special)
