"""A plan as an admin writes it, validated with messages that say what is wrong."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from scrm.infra.schedule import parse_hhmm
from scrm.infra.schemas import Strict
from scrm.sop import variables
from wecom.client.models.common import Attachment


class Schedule(Strict):
    """offset: day N after the group's creation (day 0 = that day); dates; weekly; monthly."""

    kind: Literal["offset", "dates", "weekly", "monthly"]
    at: str = Field(description="HH:MM in the corp's time zone")
    day: int | None = Field(default=None, ge=0, le=3650, description="offset: day N")
    dates: list[date] = []
    weekdays: list[int] = []
    month_days: list[int] = Field(default=[], description="31 means the month's last day")

    @model_validator(mode="after")
    def _check(self) -> Schedule:
        parse_hhmm(self.at)
        if self.at == "24:00":
            raise ValueError("at must be 00:00–23:59")
        needs = {
            "offset": self.day is not None,
            "dates": bool(self.dates),
            "weekly": bool(self.weekdays),
            "monthly": bool(self.month_days),
        }
        if not needs[self.kind]:
            field = {
                "offset": "day",
                "dates": "dates",
                "weekly": "weekdays",
                "monthly": "month_days",
            }[self.kind]
            raise ValueError(f"a {self.kind} schedule needs {field}")
        if any(d not in range(1, 8) for d in self.weekdays):
            raise ValueError("weekdays are ISO numbers 1 (Mon) … 7 (Sun)")
        if any(d not in range(1, 32) for d in self.month_days):
            raise ValueError("month_days are 1 … 31")
        return self


class Step(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,16}$")
    schedule: Schedule
    action: Literal["message", "reminder"] = "message"
    text: str = Field(default="", max_length=4000)
    attachments: list[Attachment] = Field(default=[], max_length=9)
    material_ids: list[int] = Field(
        default=[], max_length=9, description="素材库 items sent with the text, read when sent"
    )

    @model_validator(mode="after")
    def _check(self) -> Step:
        if self.action == "message" and not (self.text or self.attachments or self.material_ids):
            raise ValueError(f"step {self.id}: a message needs text, attachments or materials")
        if self.action == "reminder" and not self.text:
            raise ValueError(f"step {self.id}: a reminder needs text (what the owner should do)")
        if len(self.text.encode()) > 4000:
            raise ValueError(f"step {self.id}: text is over WeCom's 4000 UTF-8 bytes")
        try:
            variables.check(self.text, variables.GROUP_VARS)
        except ValueError as exc:
            raise ValueError(f"step {self.id}: {exc}") from None
        return self


class Target(Strict):
    """Groups by owner, name pattern (fnmatch, e.g. "VIP*"), group tag (any of `tags`) — each
    given one must hold — or explicit ids; groups that come to match (created, renamed,
    tagged) join the plan automatically."""

    owners: list[str] = []
    name_pattern: str = ""
    tags: list[str] = []
    chat_ids: list[str] = []

    @model_validator(mode="after")
    def _check(self) -> Target:
        if not (self.owners or self.name_pattern or self.tags or self.chat_ids):
            raise ValueError("target is empty: name owners, a name_pattern, tags or chat_ids")
        return self


class PlanSpec(Strict):
    name: str = Field(min_length=1, max_length=64)
    target: Target
    steps: list[Step] = Field(min_length=1, max_length=50)
    remind_after_minutes: int = Field(default=30, ge=1)
    escalate_after_minutes: int = Field(default=120, ge=1)
    expire_after_hours: int = Field(default=24, ge=1, le=24 * 7)

    @model_validator(mode="after")
    def _check(self) -> PlanSpec:
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("step ids must be unique")
        if self.escalate_after_minutes <= self.remind_after_minutes:
            raise ValueError("escalate_after_minutes must come after remind_after_minutes")
        if self.escalate_after_minutes >= self.expire_after_hours * 60:
            raise ValueError("the manager must hear before the task expires")
        return self
