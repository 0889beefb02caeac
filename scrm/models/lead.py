"""Leads from every channel, their raw intake events, activities and the rules that score them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tortoise import fields

from scrm.enums import (
    AssignmentStrategy,
    Grade,
    LeadEventStatus,
    LeadStatus,
    ScoringKind,
    ScoringOp,
)
from scrm.models.base import CorpScopedModel, EncryptedTextField, fk_index


class LeadSource(CorpScopedModel):
    """A configured intake: a platform app or a web form, with the secret that signs its pushes."""

    platform = fields.CharField(max_length=16)  # douyin|xiaohongshu|kuaishou|form
    key = fields.CharField(max_length=64)  # douyin client_key / form id / app key
    name = fields.CharField(max_length=64, default="")
    secret = EncryptedTextField()
    channel = fields.CharField(max_length=64, default="")
    campaign = fields.CharField(max_length=64, default="")
    active = fields.BooleanField(default=True)

    class Meta:
        table = "lead_source"
        unique_together = (("platform", "key"),)


class LeadEvent(CorpScopedModel):
    """A platform push exactly as received (encrypted: it holds phones), kept for replay: one
    per platform message id and one per signed body (a replay under a new id is a duplicate)."""

    source: fields.ForeignKeyRelation[LeadSource] = fields.ForeignKeyField(
        "models.LeadSource", related_name="events", on_delete=fields.CASCADE
    )
    platform = fields.CharField(max_length=16)
    message_id = fields.CharField(max_length=128)
    digest = fields.CharField(max_length=64, null=True)  # sha256 of the signed body
    body = EncryptedTextField()  # emptied after SCRM_LEAD_EVENT_RETENTION_DAYS once processed
    # pending → processing → done|ignored; a failed try → retry → dead (`error` says why).
    status = fields.CharEnumField(LeadEventStatus, max_length=16, default=LeadEventStatus.PENDING)
    attempts = fields.IntField(default=0)
    error = fields.TextField(default="")
    lead_id = fields.BigIntField(null=True)

    class Meta:
        table = "lead_event"
        unique_together = (("platform", "message_id"), ("source_id", "digest"))


class Lead(CorpScopedModel):
    customer: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Customer", related_name="leads", null=True, on_delete=fields.SET_NULL
    )
    name = fields.CharField(max_length=64, default="")
    phone = EncryptedTextField(null=True)
    phone_index = fields.CharField(max_length=64, null=True, db_index=True)
    # Further numbers found by value in the push (联系电话, mobile2…): a JSON list, encrypted;
    # `attributes` keeps them masked only.
    other_phones = EncryptedTextField(null=True)
    unionid = fields.CharField(max_length=64, default="", db_index=True)
    external_userid = fields.CharField(max_length=64, default="", db_index=True)
    platform = fields.CharField(max_length=16, default="")  # first source, never overwritten
    channel = fields.CharField(max_length=64, default="")
    campaign = fields.CharField(max_length=64, default="")
    ad_id = fields.CharField(max_length=64, default="")
    utm: fields.Field[dict[str, str]] = fields.JSONField(default=dict)
    city = fields.CharField(max_length=32, default="")
    attributes: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)  # form answers…
    attr_score = fields.IntField(default=0)
    behaviour_score = fields.IntField(default=0)
    rule_points: fields.Field[dict[str, int]] = fields.JSONField(default=dict)  # per rule, capped
    score = fields.IntField(default=0)
    grade = fields.CharEnumField(Grade, max_length=1, default=Grade.D)
    status = fields.CharEnumField(LeadStatus, max_length=16, default=LeadStatus.NEW)
    owner_userid = fields.CharField(max_length=64, default="", db_index=True)
    in_pool = fields.BooleanField(default=False)
    assigned_at: datetime | None = fields.DatetimeField(null=True)
    last_followup_at: datetime | None = fields.DatetimeField(null=True)
    first_response_at: datetime | None = fields.DatetimeField(null=True)
    recycle_warned_at: datetime | None = fields.DatetimeField(null=True)
    last_activity_at: datetime | None = fields.DatetimeField(null=True)
    decayed_at: datetime | None = fields.DatetimeField(null=True)  # behaviour decay applied to
    touches = fields.IntField(default=1)  # intake events merged into this lead
    merged_into_id = fields.BigIntField(null=True, db_index=True)

    class Meta:
        table = "lead"
        indexes = (fk_index("lead", "customer_id"),)


class LeadActivity(CorpScopedModel):
    """The lead's timeline: intake, behaviour, follow-ups, assignment, pool moves, merges."""

    lead: fields.ForeignKeyRelation[Lead] = fields.ForeignKeyField(
        "models.Lead", related_name="activities", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)
    points = fields.IntField(default=0)
    actor = fields.CharField(max_length=64, default="")
    data: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    at = fields.DatetimeField()

    class Meta:
        table = "lead_activity"
        indexes = (fk_index("lead_activity", "lead_id"),)


class ScoringRule(CorpScopedModel):
    name = fields.CharField(max_length=64)
    kind = fields.CharEnumField(ScoringKind, max_length=16)
    field = fields.CharField(max_length=64)  # lead attribute, or the behaviour's event name
    op = fields.CharEnumField(ScoringOp, max_length=16, default=ScoringOp.EQ)
    # JSON text, not a JSONField: tortoise reads a bare str given to a JSONField as JSON text.
    value_json = fields.TextField(default="null")
    points = fields.IntField()
    cap = fields.IntField(default=0)  # 0: no cap on the points this rule can give a lead
    active = fields.BooleanField(default=True)

    @property
    def value(self) -> Any:
        return json.loads(self.value_json)

    class Meta:
        table = "scoring_rule"


class AssignmentRule(CorpScopedModel):
    name = fields.CharField(max_length=64)
    priority = fields.IntField(default=100)  # lower first
    conditions: fields.Field[dict[str, list[str]]] = fields.JSONField(default=dict)
    members: fields.Field[list[str]] = fields.JSONField(default=list)
    weights: fields.Field[dict[str, int]] = fields.JSONField(default=dict)
    strategy = fields.CharEnumField(
        AssignmentStrategy, max_length=16, default=AssignmentStrategy.ROUND_ROBIN
    )
    active = fields.BooleanField(default=True)

    class Meta:
        table = "assignment_rule"


def default_grade_bands() -> dict[str, int]:
    """Lowest score of each grade (seeds 1.2.1: S highest value … D park for now)."""
    return {"S": 90, "A": 70, "B": 50, "C": 30, "D": 0}


def default_recycle_days() -> dict[str, int]:
    """Days without follow-up before a lead of that grade returns to the pool (seeds 1.2.2.2)."""
    return {"S": 3, "A": 3, "B": 10}


class LeadSettings(CorpScopedModel):
    """Per-corp thresholds: MQL/SQL, grade bands, decay, holding caps, recycling, claims."""

    mql_threshold = fields.IntField(default=40)
    sql_threshold = fields.IntField(default=65)
    grade_bands: fields.Field[dict[str, int]] = fields.JSONField(default=default_grade_bands)
    decay_percent = fields.IntField(default=20)
    decay_days = fields.IntField(default=7)
    holding_cap = fields.IntField(default=200)
    recycle_days: fields.Field[dict[str, int]] = fields.JSONField(default=default_recycle_days)
    warn_before_hours = fields.IntField(default=24)
    claim_daily_limit = fields.IntField(default=20)
    sla_minutes = fields.IntField(default=5)  # first response after assignment (seeds: 5 min)

    class Meta:
        table = "lead_settings"
        unique_together = (("corp",),)
