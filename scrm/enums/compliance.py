"""Closed sets of compliance (客服监控): severities, sensitive actions, chat directions, alerts."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ActionKind(StrEnum):
    """A sensitive action seen in a callback (ActionEvent, ComplianceRule)."""

    STAFF_DELETED_CUSTOMER = "staff_deleted_customer"
    CUSTOMER_DELETED_STAFF = "customer_deleted_staff"
    TRANSFER_FAILED = "transfer_failed"
    GROUP_DISMISSED = "group_dismissed"


class Direction(StrEnum):
    """Who speaks to whom in an archived message."""

    STAFF_TO_CUSTOMER = "staff_to_customer"
    CUSTOMER_TO_STAFF = "customer_to_staff"
    GROUP = "group"
    INTERNAL = "internal"  # staff to staff: never scanned


class AlertKind(StrEnum):
    WORD = "word"
    ACTION = "action"
    REPLY_TIMEOUT = "reply_timeout"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    FALSE_POSITIVE = "false_positive"
