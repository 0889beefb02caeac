"""Corp syncs: one row per run with its counts, and the saved cursors a killed run resumes from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import fields

from scrm.enums import SyncStatus, SyncStep, SyncTrigger
from scrm.models.base import CorpScopedModel


class SyncRun(CorpScopedModel):
    """One sync of a corp (all steps or one), what it changed and what went wrong."""

    trigger = fields.CharEnumField(SyncTrigger, max_length=16, default=SyncTrigger.CLI)
    only = fields.CharEnumField(SyncStep, max_length=16, default=SyncStep.EVERY)
    status = fields.CharEnumField(SyncStatus, max_length=16, default=SyncStatus.RUNNING)
    finished_at: datetime | None = fields.DatetimeField(null=True)
    # {"customers": {"added": n, "changed": n, "ended": n}, …} per kind
    counts: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    api_calls = fields.IntField(default=0)
    rows_written = fields.IntField(default=0)
    duration_ms = fields.IntField(default=0)
    errors: fields.Field[list[str]] = fields.JSONField(default=list)
    resumed = fields.BooleanField(default=False)  # it continued a run that was cut short

    class Meta:
        table = "sync_run"
        indexes = (("corp_id", "created_at"),)


class SyncCursor(CorpScopedModel):
    """Where a step stands for one member (customers) or the group list (groups).

    Kept until the whole sync ends well, so the next run skips what is done and continues a
    member from its saved page."""

    step = fields.CharEnumField(SyncStep, max_length=16)
    key = fields.CharField(max_length=64)  # member userid, or "list" for the group list
    cursor = fields.CharField(max_length=512, default="")
    done = fields.BooleanField(default=False)

    class Meta:
        table = "sync_cursor"
        unique_together = (("corp", "step", "key"),)
