"""String enums shared by models, services and migrations."""

from __future__ import annotations

from enum import StrEnum


class InboxStatus(StrEnum):
    PENDING = "pending"  # stored, not yet handed to Redis (or Redis was down)
    ENQUEUED = "enqueued"  # a job exists for it
    HANDLED = "handled"
    FAILED = "failed"  # last attempt raised; will be retried after next_attempt_at
    DEAD = "dead"  # gave up after max attempts; `scrm-bot inbox replay` revives it


class RelationStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # add_half_external_contact: customer added, staff not yet accepted
    CUSTOMER_DELETED = "customer_deleted"  # del_follow_user: customer deleted/blocked staff
    STAFF_DELETED = "staff_deleted"  # del_external_contact: staff deleted the customer
    TRANSFERRED = "transferred"  # del_external_contact with Source=DELETE_BY_TRANSFER
    ENDED = "ended"  # WeCom no longer lists it; a sync noticed (who ended it is unknown)


class GroupStatus(StrEnum):
    ACTIVE = "active"
    DISMISSED = "dismissed"


class MemberType(StrEnum):
    STAFF = "staff"
    EXTERNAL = "external"
