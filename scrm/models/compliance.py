"""Compliance (客服监控): sensitive words, action rules, archived chat, alerts and their review."""

from __future__ import annotations

from typing import Any

from tortoise import fields

from scrm.enums import ActionKind, AlertKind, AlertStatus, Direction, Severity
from scrm.models.base import CorpScopedModel, fk_index

ALL_DIRECTIONS = ["staff_to_customer", "customer_to_staff", "group"]


class SensitiveWord(CorpScopedModel):
    """One entry of the word library, with its category, severity and scope.

    An empty scope means every staff member, empty directions mean every direction."""

    word = fields.CharField(max_length=64)
    category = fields.CharField(max_length=32, default="")
    severity = fields.CharEnumField(Severity, max_length=16, default=Severity.MEDIUM)
    directions: fields.Field[list[str]] = fields.JSONField(default=list)
    scope_userids: fields.Field[list[str]] = fields.JSONField(default=list)
    scope_departments: fields.Field[list[int]] = fields.JSONField(default=list)
    enabled = fields.BooleanField(default=True)

    class Meta:
        table = "sensitive_word"
        unique_together = (("corp", "word"),)


class AllowPhrase(CorpScopedModel):
    """A phrase that contains a sensitive word but is fine (the false-positive allow-list)."""

    phrase = fields.CharField(max_length=128)
    note = fields.CharField(max_length=255, default="")
    created_by = fields.CharField(max_length=64, default="")

    class Meta:
        table = "allow_phrase"
        unique_together = (("corp", "phrase"),)


class ComplianceSettings(CorpScopedModel):
    """Per-corp compliance settings: who is told, working hours for reply timeouts, versions."""

    notify_userids: fields.Field[list[str]] = fields.JSONField(default=list)
    reply_timeout_minutes = fields.IntField(default=30)
    # {"1": [["09:00","18:00"]], …} by ISO weekday, like live-code schedules
    working_hours: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    # per-department overrides: {"<department id>": {"minutes": 15, "working_hours": {…}}}
    team_overrides: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    words_version = fields.IntField(default=0)  # bumped on every library change
    intercept_rule_id = fields.CharField(max_length=64, default="")
    intercept_version = fields.IntField(default=0)  # the words_version pushed to WeCom

    class Meta:
        table = "compliance_settings"
        unique_together = (("corp",),)


class ComplianceRule(CorpScopedModel):
    """A sensitive-action rule: `threshold` events of `kind` by one staff member within
    `window_minutes` raise an alert of `severity`."""

    kind = fields.CharEnumField(ActionKind, max_length=32)
    threshold = fields.IntField(default=1)
    window_minutes = fields.IntField(default=1440)
    severity = fields.CharEnumField(Severity, max_length=16, default=Severity.MEDIUM)
    enabled = fields.BooleanField(default=True)

    class Meta:
        table = "compliance_rule"


class ChatMessage(CorpScopedModel):
    """An archived chat message (会话内容存档) or one fed by the sandbox source."""

    msgid = fields.CharField(max_length=64)
    seq = fields.BigIntField(null=True)
    source = fields.CharField(max_length=32, default="archive")
    sender = fields.CharField(max_length=64)
    receivers: fields.Field[list[str]] = fields.JSONField(default=list)
    roomid = fields.CharField(max_length=64, default="")
    msgtime = fields.DatetimeField(db_index=True)
    msgtype = fields.CharField(max_length=16, default="text")
    text = fields.TextField(default="")
    direction = fields.CharEnumField(Direction, max_length=24)
    staff_userid = fields.CharField(max_length=64, default="", db_index=True)
    external_userid = fields.CharField(max_length=64, default="", db_index=True)

    class Meta:
        table = "chat_message"
        unique_together = (("corp", "msgid"),)


class ArchiveCursor(CorpScopedModel):
    """Where the archive pull stands: the last `seq` stored, saved with the messages."""

    source = fields.CharField(max_length=32)
    seq = fields.BigIntField(default=0)

    class Meta:
        table = "archive_cursor"
        unique_together = (("corp", "source"),)


class ActionEvent(CorpScopedModel):
    """A sensitive action seen in a callback (deletion, transfer failure, group dismissed)."""

    kind = fields.CharEnumField(ActionKind, max_length=32)
    staff_userid = fields.CharField(max_length=64, default="")
    external_userid = fields.CharField(max_length=64, default="")
    chat_id = fields.CharField(max_length=64, default="")
    at = fields.DatetimeField()
    dedup_key = fields.CharField(max_length=160)

    class Meta:
        table = "action_event"
        unique_together = (("corp", "dedup_key"),)
        indexes = (("corp_id", "kind", "staff_userid", "at"),)


class Alert(CorpScopedModel):
    """A compliance alert for admins to review. `dedup_key` makes every source raise it once."""

    kind = fields.CharEnumField(AlertKind, max_length=16)
    severity = fields.CharEnumField(Severity, max_length=16, default=Severity.MEDIUM)
    staff_userid = fields.CharField(max_length=64, default="", db_index=True)
    external_userid = fields.CharField(max_length=64, default="")
    chat_id = fields.CharField(max_length=64, default="")
    msgid = fields.CharField(max_length=64, default="")
    word = fields.CharField(max_length=64, default="")
    category = fields.CharField(max_length=32, default="")
    rule_id = fields.BigIntField(null=True)
    context = fields.TextField(default="")  # the matched text in context, phone numbers masked
    details: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    status = fields.CharEnumField(
        AlertStatus, max_length=16, default=AlertStatus.OPEN, db_index=True
    )
    assignee = fields.CharField(max_length=64, default="")
    occurred_at = fields.DatetimeField(db_index=True)
    resolved_at = fields.DatetimeField(null=True)
    notified_at = fields.DatetimeField(null=True)
    dedup_key = fields.CharField(max_length=160)

    class Meta:
        table = "alert"
        unique_together = (("corp", "dedup_key"),)


class AlertComment(CorpScopedModel):
    alert: fields.ForeignKeyRelation[Alert] = fields.ForeignKeyField(
        "models.Alert", related_name="comments", on_delete=fields.CASCADE
    )
    author = fields.CharField(max_length=64)
    text = fields.TextField()

    class Meta:
        table = "alert_comment"
        indexes = (fk_index("alert_comment", "alert_id"),)


class AuditLog(CorpScopedModel):
    """Who did what to which object, kept for review actions and rule changes."""

    actor = fields.CharField(max_length=64)
    action = fields.CharField(max_length=32)
    object_type = fields.CharField(max_length=32)
    object_id = fields.CharField(max_length=64)
    data: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        table = "audit_log"
        indexes = (("corp_id", "object_type", "object_id"),)
