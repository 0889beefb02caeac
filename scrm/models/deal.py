"""The deal pipeline: stages as rows, opportunities, quotes with approvals, contracts, payments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tortoise import fields

from scrm.enums import (
    ApprovalLevel,
    ContractStatus,
    ForecastCategory,
    LostReason,
    QuoteStatus,
    Role,
)
from scrm.models.base import CorpScopedModel, fk_index


class Stage(CorpScopedModel):
    """Odoo-style stage rows: sequence, probability, won/lost flags and the fields it demands."""

    name = fields.CharField(max_length=32)
    sequence = fields.IntField()
    probability = fields.IntField()
    is_won = fields.BooleanField(default=False)
    is_lost = fields.BooleanField(default=False)
    required_fields: fields.Field[list[str]] = fields.JSONField(default=list)
    forecast_category = fields.CharEnumField(
        ForecastCategory, max_length=16, default=ForecastCategory.UNSET
    )
    stale_days = fields.IntField(default=7)  # no activity for this long: a stagnant deal

    class Meta:
        table = "stage"
        unique_together = (("corp", "name"),)


class Opportunity(CorpScopedModel):
    lead_id = fields.BigIntField(null=True, db_index=True)
    customer_id_ref = fields.BigIntField(null=True)  # the WeCom customer, when known
    name = fields.CharField(max_length=128)
    owner_userid = fields.CharField(max_length=64, db_index=True)
    stage: fields.ForeignKeyRelation[Stage] = fields.ForeignKeyField(
        "models.Stage", related_name="opportunities", on_delete=fields.RESTRICT
    )
    probability = fields.IntField(default=10)
    amount = fields.BigIntField(default=0)  # minor units (分)
    currency = fields.CharField(max_length=3, default="CNY")
    expected_close: date | None = fields.DateField(null=True)
    next_step = fields.CharField(max_length=255, default="")
    next_step_date: date | None = fields.DateField(null=True)
    forecast_category = fields.CharEnumField(
        ForecastCategory, max_length=16, default=ForecastCategory.PIPELINE
    )
    values: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)  # stage-gate fields
    lost_reason = fields.CharEnumField(LostReason, max_length=16, default=LostReason.NONE)
    lost_note = fields.TextField(default="")
    stage_changed_at: datetime | None = fields.DatetimeField(null=True)
    closed_at: datetime | None = fields.DatetimeField(null=True)
    # The latest of creation, stage change, a follow-up on it and a task done on it, kept by
    # those writes (deals.touch): stagnant and risk reports filter and sort on it in SQL.
    last_activity_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "opportunity"
        indexes = (("corp_id", "stage_id", "last_activity_at"),)

    async def save(self, *args: Any, **kwargs: Any) -> None:
        # A row made anywhere (tests, imports, the demo) starts with its activity clock set,
        # so the stagnant and risk filters never miss it.
        if self.last_activity_at is None and not kwargs.get("update_fields"):
            self.last_activity_at = self.stage_changed_at or datetime.now(UTC)
        await super().save(*args, **kwargs)


class StageChange(CorpScopedModel):
    opportunity: fields.ForeignKeyRelation[Opportunity] = fields.ForeignKeyField(
        "models.Opportunity", related_name="stage_changes", on_delete=fields.CASCADE
    )
    from_stage = fields.CharField(max_length=32, default="")
    to_stage = fields.CharField(max_length=32)
    actor = fields.CharField(max_length=64, default="")
    at = fields.DatetimeField()

    class Meta:
        table = "stage_change"
        indexes = (fk_index("stage_change", "opportunity_id"),)


class Quote(CorpScopedModel):
    opportunity: fields.ForeignKeyRelation[Opportunity] = fields.ForeignKeyField(
        "models.Opportunity", related_name="quotes", on_delete=fields.CASCADE
    )
    number = fields.CharField(max_length=32)
    currency = fields.CharField(max_length=3, default="CNY")
    gross = fields.BigIntField()  # list price × quantity, before any discount
    total = fields.BigIntField()
    discount_bp = fields.IntField()  # effective discount in basis points (1 % = 100)
    approval_level = fields.CharEnumField(ApprovalLevel, max_length=16)
    status = fields.CharEnumField(QuoteStatus, max_length=16)
    lines: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    requested_by = fields.CharField(max_length=64, default="")
    decided_by = fields.CharField(max_length=64, default="")
    decided_at: datetime | None = fields.DatetimeField(null=True)
    note = fields.TextField(default="")

    class Meta:
        table = "quote"
        indexes = (fk_index("quote", "opportunity_id"),)
        unique_together = (("corp", "number"),)


class Contract(CorpScopedModel):
    opportunity: fields.ForeignKeyRelation[Opportunity] = fields.ForeignKeyField(
        "models.Opportunity", related_name="contracts", on_delete=fields.CASCADE
    )
    quote_id = fields.BigIntField(null=True)
    number = fields.CharField(max_length=32)
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3, default="CNY")
    signed_at = fields.DatetimeField()
    status = fields.CharEnumField(ContractStatus, max_length=16, default=ContractStatus.SIGNED)

    class Meta:
        table = "contract"
        indexes = (fk_index("contract", "opportunity_id"),)
        unique_together = (("corp", "number"),)


class Payment(CorpScopedModel):
    contract: fields.ForeignKeyRelation[Contract] = fields.ForeignKeyField(
        "models.Contract", related_name="payments", on_delete=fields.CASCADE
    )
    amount = fields.BigIntField()
    paid_at = fields.DatetimeField()
    reference = fields.CharField(max_length=64)  # bank/transaction id: a re-sent payment is one

    class Meta:
        table = "payment"
        unique_together = (("contract", "reference"),)


class Campaign(CorpScopedModel):
    """A marketing campaign's cost, for channel ROI (leads carry the campaign's name)."""

    name = fields.CharField(max_length=64)
    channel = fields.CharField(max_length=64, default="")
    cost = fields.BigIntField(default=0)
    currency = fields.CharField(max_length=3, default="CNY")

    class Meta:
        table = "campaign"
        unique_together = (("corp", "name"),)


class Task(CorpScopedModel):
    """A to-do with an optional reminder, on a lead, an opportunity or a customer."""

    title = fields.CharField(max_length=128)
    assignee = fields.CharField(max_length=64, db_index=True)
    lead_id = fields.BigIntField(null=True)
    opportunity_id = fields.BigIntField(null=True)
    external_userid = fields.CharField(max_length=64, default="")
    due_at: datetime | None = fields.DatetimeField(null=True)
    remind_at: datetime | None = fields.DatetimeField(null=True)
    reminded_at: datetime | None = fields.DatetimeField(null=True)
    done_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "task"


class FollowUp(CorpScopedModel):
    """A follow-up note on an opportunity or a customer (leads keep theirs in the timeline)."""

    userid = fields.CharField(max_length=64)
    opportunity_id = fields.BigIntField(null=True)
    external_userid = fields.CharField(max_length=64, default="", db_index=True)
    note = fields.TextField()
    at = fields.DatetimeField()

    class Meta:
        table = "follow_up"


class ApiToken(CorpScopedModel):
    """A person's API token. Staff see their own records, managers their team's, admins all.
    Only the token's hash is stored."""

    name = fields.CharField(max_length=64)
    token_hash = fields.CharField(max_length=64, unique=True)
    role = fields.CharEnumField(Role, max_length=16)
    userid = fields.CharField(max_length=64, default="")
    team: fields.Field[list[str]] = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "api_token"
