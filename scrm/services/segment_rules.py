"""The conditions a 客户分群 (segment) may hold: bounded, validated, stored as JSON."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from scrm.infra.schemas import Strict

Id = Annotated[int, Field(ge=0, le=2**31)]
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 1, 1)


class TagCondition(Strict):
    mode: Literal["any", "all", "none"] = "any"
    ids: list[str] = Field(default_factory=list, max_length=100)


class Conditions(Strict):
    """Every set condition must hold (AND); a list condition matches any of its values."""

    tags: TagCondition | None = None
    owners: list[str] = Field(default_factory=list, max_length=500, description="staff userids")
    departments: list[Id] = Field(default_factory=list, max_length=100)
    channels: list[str] = Field(
        default_factory=list, max_length=100, description="live-code states or first channels"
    )
    added_from: date | None = None
    added_to: date | None = None
    grades: list[Literal["S", "A", "B", "C", "D"]] = Field(default_factory=list, max_length=5)
    statuses: list[Literal["new", "mql", "sql", "converted", "lost"]] = Field(
        default_factory=list, max_length=5
    )
    active_within_days: int | None = Field(default=None, ge=1, le=3650)
    inactive_for_days: int | None = Field(default=None, ge=1, le=3650)
    in_groups: list[str] = Field(default_factory=list, max_length=200, description="chat ids")
    in_any_group: bool | None = None
    gender: Literal[0, 1, 2] | None = None  # 0 unknown, 1 male, 2 female
    has_phone: bool | None = None

    @model_validator(mode="after")
    def _sane(self) -> Conditions:
        for day in (self.added_from, self.added_to):
            if day is not None and not EARLIEST <= day <= LATEST:
                raise ValueError("dates must be between 2000-01-01 and 2100-01-01")
        if self.added_from and self.added_to and self.added_from > self.added_to:
            raise ValueError("added_from must not be after added_to")
        for text in (*self.owners, *self.channels, *self.in_groups):
            if not 0 < len(text) <= 64:
                raise ValueError("userids, channels and chat ids are 1 to 64 characters")
        if self.tags is not None and any(not 0 < len(t) <= 64 for t in self.tags.ids):
            raise ValueError("tag ids are 1 to 64 characters")
        return self
