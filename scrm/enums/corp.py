"""Closed sets of the corp's own records: logins' roles, the WeCom mirror, syncs, hand-overs."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a login or an API token may do (ordered in admin.api.actor.ROLES)."""

    STAFF = "staff"
    MANAGER = "manager"
    OPS = "ops"
    ADMIN = "admin"


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


class SyncTrigger(StrEnum):
    """Who started a corp sync."""

    CLI = "cli"
    ADMIN = "admin"
    FIRST = "first"  # a corp's first sync, queued once
    NIGHTLY = "nightly"


class SyncStep(StrEnum):
    """A corp sync's steps (SyncRun.only, SyncCursor.step)."""

    EVERY = ""  # SyncRun.only: no one step, the whole sync
    STAFF = "staff"
    TAGS = "tags"
    CUSTOMERS = "customers"
    GROUPS = "groups"


class SyncStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # cut short (a kill): the next run under the lock says so


class HandoverKind(StrEnum):
    ONJOB = "onjob"  # 在职转接
    RESIGNED = "resigned"  # 离职继承


class HandoverStatus(StrEnum):
    """pending → waiting → done | refused | limit | failed."""

    PENDING = "pending"
    WAITING = "waiting"
    DONE = "done"
    REFUSED = "refused"
    LIMIT = "limit"
    FAILED = "failed"
