"""The callback inbox: every accepted WeCom event, stored before it is acked."""

from __future__ import annotations

from datetime import datetime

from tortoise import fields
from tortoise.models import Model

from scrm.enums import InboxStatus


class Inbox(Model):
    id = fields.BigIntField(primary_key=True)
    # sha256 of the event's own identity (design.md "Rules of the edge"); retries collide here.
    key = fields.CharField(max_length=64, unique=True)
    corp_id = fields.CharField(max_length=64, db_index=True)
    kind = fields.CharField(max_length=96, default="")  # e.g. change_external_contact.add_...
    payload = fields.TextField()  # the decrypted XML exactly as WeCom sent it
    # The edge's parse of `payload` as JSON, so its jobs need not parse the XML again. Null on
    # rows stored before migration 0035 (and on rows written by hand): the job parses `payload`.
    parsed: str | None = fields.TextField(null=True)
    status = fields.CharEnumField(InboxStatus, max_length=16, default=InboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    replays = fields.IntField(default=0)  # operator replays; part of the job id, see jobs.names
    last_error = fields.TextField(default="")
    received_at = fields.DatetimeField(auto_now_add=True)
    # When the request reached our edge, before signature, decrypt and the group-committed
    # INSERT: the welcome's latency is measured from here (WeCom's CreateTime has whole
    # seconds only). Null on rows stored before migration 0023.
    arrived_at: datetime | None = fields.DatetimeField(null=True)
    next_attempt_at: datetime | None = fields.DatetimeField(null=True)
    handled_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "inbox"
        indexes = (("status", "next_attempt_at"),)
