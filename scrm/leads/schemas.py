"""API shapes for leads, their sources, rules and settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from scrm.infra.schemas import Strict
from scrm.services.scoring import RuleError, validate_rule


class LeadSourceIn(Strict):
    platform: Literal["douyin", "xiaohongshu", "kuaishou", "form"]
    key: str = Field(min_length=1, max_length=64, description="client_key / form id / app key")
    secret: str = Field(min_length=8, max_length=256)
    name: str = ""
    channel: str = ""
    campaign: str = ""


class LeadSourceOut(BaseModel):
    id: int
    platform: str
    key: str
    name: str
    channel: str
    campaign: str
    webhook_path: str


class LeadIn(Strict):
    name: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32)
    unionid: str = ""
    channel: str = Field(default="manual", max_length=64)
    campaign: str = ""
    city: str = ""
    attributes: dict[str, Any] = {}


class LeadOut(BaseModel):
    id: int
    name: str
    phone_masked: str
    platform: str
    channel: str
    campaign: str
    city: str
    score: int
    grade: str
    status: str
    owner_userid: str
    in_pool: bool
    touches: int
    merged_into_id: int | None
    customer_id: int | None
    attributes: dict[str, Any]


class ActivityOut(BaseModel):
    kind: str
    points: int
    actor: str
    at: datetime
    data: dict[str, Any]


class LeadDetail(LeadOut):
    predicted_probability: float | None = Field(
        description="naive Bayes over won/lost history; null until 10 deals closed"
    )
    timeline: list[ActivityOut]


class ActivityIn(Strict):
    event: str = Field(
        min_length=1, max_length=32, description="e.g. content_viewed, demo_requested"
    )
    data: dict[str, Any] = {}


class FollowUpIn(Strict):
    userid: str = Field(min_length=1)
    note: str = Field(default="", max_length=2000)


class ClaimIn(Strict):
    userid: str = Field(min_length=1)


class MergeIn(Strict):
    other_id: int
    actor: str = ""


class ScoringRuleIn(Strict):
    name: str = Field(min_length=1, max_length=64)
    kind: Literal["attribute", "behaviour"]
    field: str
    op: str = "eq"
    value: Any = None
    points: int = Field(ge=-1000, le=1000)
    cap: int = 0

    @model_validator(mode="after")
    def _check(self) -> ScoringRuleIn:
        try:
            validate_rule(self.kind, self.field, self.op, self.value, self.points, self.cap)
        except RuleError as exc:
            raise ValueError(str(exc)) from exc
        return self


class ScoringRuleOut(ScoringRuleIn):
    id: int


class AssignmentRuleIn(Strict):
    name: str = Field(min_length=1, max_length=64)
    priority: int = 100
    conditions: dict[str, list[str]] = {}
    members: list[str] = []
    weights: dict[str, int] = {}
    strategy: Literal["round_robin", "weighted", "least_loaded", "pool"] = "round_robin"

    @model_validator(mode="after")
    def _check(self) -> AssignmentRuleIn:
        if self.strategy != "pool" and not self.members:
            raise ValueError("members are required unless the strategy is 'pool'")
        if set(self.weights) - set(self.members):
            raise ValueError("weights name someone who is not a member")
        return self


class AssignmentRuleOut(AssignmentRuleIn):
    id: int


class LeadSettingsIO(Strict):
    mql_threshold: int = Field(default=40, ge=0)
    sql_threshold: int = Field(default=65, ge=0)
    grade_bands: dict[Literal["S", "A", "B", "C", "D"], int] = {
        "S": 90,
        "A": 70,
        "B": 50,
        "C": 30,
        "D": 0,
    }
    decay_percent: int = Field(default=20, ge=0, le=100)
    decay_days: int = Field(default=7, ge=1)
    holding_cap: int = Field(default=200, ge=1)
    recycle_days: dict[Literal["S", "A", "B", "C", "D"], int] = {"S": 3, "A": 3, "B": 10}
    warn_before_hours: int = Field(default=24, ge=0)
    claim_daily_limit: int = Field(default=20, ge=0)
    sla_minutes: int = Field(default=5, ge=1, description="first response after assignment")

    @model_validator(mode="after")
    def _check(self) -> LeadSettingsIO:
        if self.sql_threshold < self.mql_threshold:
            raise ValueError("sql_threshold must be at least mql_threshold")
        if any(d <= 0 for d in self.recycle_days.values()):
            raise ValueError("recycle_days must be positive")
        return self
