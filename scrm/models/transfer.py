"""Hand-overs of customers and groups between members (在职转接, 离职继承), and lost customers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import fields

from scrm.enums import HandoverKind, HandoverStatus
from scrm.models.base import CorpScopedModel


class Handover(CorpScopedModel):
    """One customer (or one group) handed from one member to another, tracked until WeCom
    reports it done, refused or failed. The row stays as the history of who owned what."""

    kind = fields.CharEnumField(HandoverKind, max_length=16)
    batch = fields.CharField(max_length=32, db_index=True)
    handover_userid = fields.CharField(max_length=64, db_index=True)
    takeover_userid = fields.CharField(max_length=64, db_index=True)
    external_userid = fields.CharField(max_length=64, default="", db_index=True)
    chat_id = fields.CharField(max_length=64, default="")  # set for a group hand-over
    status = fields.CharEnumField(HandoverStatus, max_length=16, default=HandoverStatus.PENDING)
    errcode = fields.IntField(default=0)
    reason = fields.CharField(max_length=255, default="")
    message = fields.CharField(max_length=255, default="")  # transfer_success_msg
    operator = fields.CharField(max_length=64, default="")
    started_at: datetime | None = fields.DatetimeField(null=True)
    finished_at: datetime | None = fields.DatetimeField(null=True)
    next_check_at: datetime | None = fields.DatetimeField(null=True)
    checks = fields.IntField(default=0)
    # What moved with the customer when it was done (ids per kind), so history can say so.
    moved: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    moved_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "handover"
        indexes = (("corp_id", "status", "next_check_at"),)


class ChurnEvent(CorpScopedModel):
    """A customer deleted a member (del_follow_user): the member is told once per deletion."""

    userid = fields.CharField(max_length=64, db_index=True)
    external_userid = fields.CharField(max_length=64)
    at = fields.DatetimeField(db_index=True)
    customer_since: datetime | None = fields.DatetimeField(null=True)
    notified_at: datetime | None = fields.DatetimeField(null=True)
    reengaged_task_id = fields.BigIntField(null=True)

    class Meta:
        table = "churn_event"
        unique_together = (("corp", "userid", "external_userid", "at"),)


class TransferSettings(CorpScopedModel):
    """Per-corp choices for hand-overs and churn alerts."""

    churn_notify_member = fields.BooleanField(default=True)
    churn_notify_manager = fields.BooleanField(default=False)

    class Meta:
        table = "transfer_settings"
        unique_together = (("corp",),)


class TransferRule(CorpScopedModel):
    """A saved way to hand out a departed member's customers: to their manager, or in turn
    over a list of members."""

    name = fields.CharField(max_length=32)
    takeover_userids: fields.Field[list[str]] = fields.JSONField(default=list)
    to_manager = fields.BooleanField(default=False)

    class Meta:
        table = "transfer_rule"
        unique_together = (("corp", "name"),)


class TransferRotation(CorpScopedModel):
    """Where a round robin stands: the member who got the last customer, per saved rule or per
    team (its sorted members), so the next assignment continues the turn."""

    key = fields.CharField(max_length=128)  # rule:<id> | team:<digest of the members>
    last_userid = fields.CharField(max_length=64, default="")

    class Meta:
        table = "transfer_rotation"
        unique_together = (("corp", "key"),)
