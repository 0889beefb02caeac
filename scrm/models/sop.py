"""Group SOP plans and their materialised runs (one row per target, step and due time)."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from tortoise import fields

from scrm.enums import (
    JourneyAction,
    JourneyRunStatus,
    JourneyTaskStatus,
    PlanStatus,
    SopKind,
    SopRunStatus,
)
from scrm.models.base import CorpScopedModel, fk_index


class SopPlan(CorpScopedModel):
    name = fields.CharField(max_length=64)
    kind = fields.CharEnumField(SopKind, max_length=16, default=SopKind.GROUP)
    target: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    steps: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    status = fields.CharEnumField(PlanStatus, max_length=16, default=PlanStatus.ACTIVE)
    version = fields.IntField(default=1)
    starts_at = fields.DatetimeField()  # no run is planned before this (no backfill)
    remind_after_minutes = fields.IntField(default=30)
    escalate_after_minutes = fields.IntField(default=120)
    expire_after_hours = fields.IntField(default=24)

    class Meta:
        table = "sop_plan"


class SopRun(CorpScopedModel):
    """planned → firing → fired → sent, or else skipped (paused), failed, expired, cancelled."""

    plan: fields.ForeignKeyRelation[SopPlan] = fields.ForeignKeyField(
        "models.SopPlan", related_name="runs", on_delete=fields.CASCADE
    )
    step_id = fields.CharField(max_length=16)
    target_id = fields.CharField(max_length=64)  # chat id
    owner_userid = fields.CharField(max_length=64)
    due_at = fields.DatetimeField(db_index=True)
    status = fields.CharEnumField(
        SopRunStatus, max_length=16, default=SopRunStatus.PLANNED, db_index=True
    )
    msgid = fields.CharField(max_length=64, default="")
    fired_at: datetime | None = fields.DatetimeField(null=True)
    sent_at: datetime | None = fields.DatetimeField(null=True)
    reminded_at: datetime | None = fields.DatetimeField(null=True)
    escalated_at: datetime | None = fields.DatetimeField(null=True)
    error = fields.TextField(default="")

    class Meta:
        table = "sop_run"
        unique_together = (("plan", "step_id", "target_id", "due_at"),)


class Journey(CorpScopedModel):
    """A customer journey (客户SOP): a trigger, then nodes (wait, send, remind, tag, branch,
    task, exit) followed per customer."""

    name = fields.CharField(max_length=64)
    trigger: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    nodes: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    per_day_cap = fields.IntField(default=1)
    per_week_cap = fields.IntField(default=3)
    quiet_start = fields.CharField(max_length=5, default="21:00")
    quiet_end = fields.CharField(max_length=5, default="08:00")
    status = fields.CharEnumField(PlanStatus, max_length=16, default=PlanStatus.ACTIVE)
    # A customer carrying one of these tags (退订, 投诉…) leaves the journey at their next step.
    exit_tags: fields.Field[list[str]] = fields.JSONField(default=list)
    # Sends wait for the end of a window of this many minutes, so customers who reach a send
    # within it share one WeCom task per owner (each task is confirmed by hand).
    send_window_minutes = fields.IntField(default=1)

    class Meta:
        table = "journey"


# Journey scanners share the work by lane: a lane is a fixed slice of the sending members
# (decision 0034). Changing the count re-deals every member: a migration must recompute `lane`.
JOURNEY_LANES = 12


def journey_lane(owner_userid: str) -> int:
    """The lane of a sending member: CRC-32 (the same in every process, unlike `hash`)."""
    return zlib.crc32(owner_userid.encode()) % JOURNEY_LANES


def journey_owner(owner_userid: str) -> dict[str, Any]:
    """The fields to write whenever a run's owner is set: the owner and the owner's lane."""
    return {"owner_userid": owner_userid, "lane": journey_lane(owner_userid)}


class JourneyRun(CorpScopedModel):
    """One customer on one journey: where they are and when they move on.

    One row per customer and journey. A journey that may be entered again (a birthday each
    year) resets the row, and `entry` names the current entry (the year). `lane` is the
    owner's lane, written with the owner (`journey_owner`). `claimed_by`: the claiming worker."""

    journey: fields.ForeignKeyRelation[Journey] = fields.ForeignKeyField(
        "models.Journey", related_name="runs", on_delete=fields.CASCADE
    )
    external_userid = fields.CharField(max_length=64)
    owner_userid = fields.CharField(max_length=64)
    node_id = fields.CharField(max_length=16)
    due_at = fields.DatetimeField(db_index=True)
    status = fields.CharEnumField(JourneyRunStatus, max_length=16, default=JourneyRunStatus.ACTIVE)
    entry = fields.CharField(max_length=32, default="")
    lane = fields.SmallIntField(default=0, db_default=0)  # DEFAULT 0: added to full tables
    # The worker whose scanner claimed it (`running`): when that worker is dead its runs are
    # handed on within seconds (decision 0037), not after release_stuck's minutes.
    claimed_by = fields.CharField(max_length=40, default="", db_default="")

    class Meta:
        table = "journey_run"
        unique_together = (("journey", "external_userid"),)
        # A scanner claims the due customers of its lanes only.
        indexes = (("lane", "due_at"),)


class JourneyLog(CorpScopedModel):
    run: fields.ForeignKeyRelation[JourneyRun] = fields.ForeignKeyField(
        "models.JourneyRun", related_name="log", on_delete=fields.CASCADE
    )
    external_userid = fields.CharField(max_length=64, db_index=True)
    node_id = fields.CharField(max_length=16)
    action = fields.CharEnumField(JourneyAction, max_length=16)
    at = fields.DatetimeField()
    data: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        table = "journey_log"
        # The scanner asks "who was sent anything since t" (caps counted ahead of time).
        indexes = (("corp_id", "action", "created_at"), fk_index("journey_log", "run_id"))


class JourneyTask(CorpScopedModel):
    """A WeCom customer-message task a journey `send` made for one owner, tracked until the
    owner confirms it (reminder, then their manager, then expiry)."""

    journey: fields.ForeignKeyRelation[Journey] = fields.ForeignKeyField(
        "models.Journey", related_name="tasks", on_delete=fields.CASCADE
    )
    node_id = fields.CharField(max_length=16)
    owner_userid = fields.CharField(max_length=64)
    msgid = fields.CharField(max_length=64)
    customers = fields.IntField(default=1)
    status = fields.CharEnumField(
        JourneyTaskStatus, max_length=16, default=JourneyTaskStatus.FIRED, db_index=True
    )
    fired_at = fields.DatetimeField()
    sent_at: datetime | None = fields.DatetimeField(null=True)
    reminded_at: datetime | None = fields.DatetimeField(null=True)
    escalated_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "journey_task"
        indexes = (fk_index("journey_task", "journey_id"),)
        unique_together = (("corp", "msgid"),)
