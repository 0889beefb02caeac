"""The `updates` a stage move carries, validated like any other write: typed columns keep their
types (a date is a real date, money is never negative), every other gate field is short text."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_AMOUNT = 10**15  # 分: ten trillion 元, far under BIGINT and exact in a JSON double
LOST_REASONS = ("price", "feature", "timing", "competitor", "no_budget", "other")
# Columns of the opportunity itself; any other key is a stage-gate value kept in `values`.
COLUMNS = ("next_step", "next_step_date", "amount", "expected_close", "lost_reason", "lost_note")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_VALUES = 40
MAX_TEXT = 2000


class StageUpdates(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    next_step: str = Field(default="", max_length=255)
    next_step_date: date | None = None
    amount: int = Field(default=0, ge=0, le=MAX_AMOUNT, description="minor units (分)")
    expected_close: date | None = None
    lost_reason: str = ""
    lost_note: str = Field(default="", max_length=4000)

    @field_validator("lost_reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if value and value not in LOST_REASONS:
            raise ValueError(f"lost_reason must be one of {', '.join(LOST_REASONS)}")
        return value

    @model_validator(mode="after")
    def _gate_values(self) -> StageUpdates:
        extra = self.model_extra or {}
        if len(extra) > MAX_VALUES:
            raise ValueError(f"最多 {MAX_VALUES} 个阶段字段")
        for key, value in extra.items():
            if not _KEY.match(key) or key in _RESERVED:
                raise ValueError(f"{key[:64]} 不是可以填写的阶段字段")
            if value is not None and not isinstance(value, str | int | float | bool):
                raise ValueError(f"{key} 必须是文字或数字")
            if isinstance(value, str) and len(value) > MAX_TEXT:
                raise ValueError(f"{key} 最长 {MAX_TEXT} 个字符")
        return self

    def columns(self) -> dict[str, Any]:
        """The opportunity's own columns that were given."""
        return self.model_dump(include=self.model_fields_set & set(COLUMNS))

    def values(self) -> dict[str, Any]:
        """The other stage-gate fields that were given."""
        return dict(self.model_extra or {})


# Names that are opportunity attributes but no gate field: refused rather than shadowed.
_RESERVED = frozenset(
    {"id", "corp", "corp_id", "name", "owner_userid", "stage", "stage_id", "probability"}
    | {"currency", "values", "forecast_category", "closed_at", "stage_changed_at"}
    | {"lead_id", "customer_id_ref", "created_at", "updated_at", "contracts", "quotes"}
)
