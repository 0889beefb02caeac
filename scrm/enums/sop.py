"""Closed sets of group SOP plans and customer journeys (客户SOP), their runs, logs and tasks."""

from __future__ import annotations

from enum import StrEnum


class SopKind(StrEnum):
    GROUP = "group"  # customer journeys have their own model (Journey)


class PlanStatus(StrEnum):
    """A group SOP plan or a journey: running, or paused by an admin."""

    ACTIVE = "active"
    PAUSED = "paused"


class SopRunStatus(StrEnum):
    """planned → firing → fired → sent, or else skipped (paused), failed, expired, cancelled."""

    PLANNED = "planned"
    FIRING = "firing"
    FIRED = "fired"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class JourneyRunStatus(StrEnum):
    ACTIVE = "active"  # waiting for its due time
    RUNNING = "running"  # claimed by a scanner
    DONE = "done"
    EXITED = "exited"


class JourneyAction(StrEnum):
    """What a journey did for one customer at one node (JourneyLog)."""

    SENT = "sent"
    CAPPED = "capped"
    QUIET = "quiet"
    REMINDED = "reminded"
    TAGGED = "tagged"
    BRANCH = "branch"
    TASK = "task"
    WEBHOOK = "webhook"
    EXIT = "exit"
    REPLANNED = "replanned"  # a send moved to the new owner after a hand-over


class JourneyTaskStatus(StrEnum):
    FIRED = "fired"
    SENT = "sent"
    EXPIRED = "expired"
