"""Per-corp compliance settings and the reply-timeout terms that apply to one staff member."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.expressions import F

from scrm.infra import schedule
from scrm.ints import parse_int
from scrm.models import ComplianceSettings, Staff
from scrm.services.upsert import get_or_create


@dataclass(frozen=True)
class ReplyTerms:
    """How long a customer may wait, counted in working time only."""

    minutes: int
    working_hours: dict[str, Any]


async def settings_for(corp_id: int) -> ComplianceSettings:
    """The corp's settings row, created with the defaults on first use."""
    row, _ = await get_or_create(ComplianceSettings, corp_id=corp_id)
    return row


async def bump_words_version(corp_id: int) -> None:
    """Tell the word matcher its library changed (it rebuilds when the version moves)."""
    await settings_for(corp_id)
    await ComplianceSettings.filter(corp_id=corp_id).update(words_version=F("words_version") + 1)


def validate_overrides(overrides: dict[str, Any]) -> None:
    """`{"<department id>": {"minutes": 15, "working_hours": {…}}}`; raises ValueError."""
    for dept, override in overrides.items():
        if parse_int(str(dept), 0, 2**31 - 1) is None:
            raise ValueError(f"team override key {dept!r} must be a department id")
        if not isinstance(override, dict) or not set(override) <= {"minutes", "working_hours"}:
            raise ValueError(f"team override {dept}: only minutes and working_hours may be set")
        minutes = override.get("minutes")
        if minutes is not None and not (isinstance(minutes, int) and 1 <= minutes <= 10080):
            raise ValueError(f"team override {dept}: minutes must be 1…10080")
        hours = override.get("working_hours")
        if hours is not None:
            if not isinstance(hours, dict):
                raise ValueError(f"team override {dept}: working_hours must be an object")
            schedule.validate(hours, {})


def terms_for(settings: ComplianceSettings, staff: Staff | None) -> ReplyTerms:
    """The corp's terms, or the first of the staff member's departments that overrides them."""
    minutes, hours = settings.reply_timeout_minutes, settings.working_hours
    for dept in staff.department_ids if staff is not None else []:
        override = settings.team_overrides.get(str(dept))
        if override:
            minutes = int(override.get("minutes", minutes))
            hours = override.get("working_hours", hours)
            break
    return ReplyTerms(minutes, hours)
