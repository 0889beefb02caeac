"""Campaigns: saved customer segments, the 素材库, one-off 群发 with their tasks and deliveries,
and 雷达 link opens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import fields

from scrm.enums import ChatType, MassSendStatus, MaterialKind
from scrm.models.base import CorpScopedModel, fk_index


class Segment(CorpScopedModel):
    """客户分群: a saved filter over customers, evaluated live (never a frozen list)."""

    name = fields.CharField(max_length=64)
    conditions: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    created_by = fields.CharField(max_length=64, default="")

    class Meta:
        table = "segment"


class Material(CorpScopedModel):
    """素材库: one piece of content (text, image, link, mini program, file, video, poster)."""

    kind = fields.CharEnumField(MaterialKind, max_length=16)
    category = fields.CharField(max_length=32, default="")
    title = fields.CharField(max_length=128)
    content = fields.TextField(default="")  # the text, or a link's description
    url = fields.CharField(max_length=1024, default="")  # image/file/link address
    cover_url = fields.CharField(max_length=1024, default="")
    extra: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)  # appid, page, …
    tracked = fields.BooleanField(default=False)  # a 雷达 link
    media_id = fields.CharField(max_length=256, default="")
    media_expires_at: datetime | None = fields.DatetimeField(null=True, db_index=True)
    # The uploaded file (file, video, mini program cover), kept to renew its 3-day media_id.
    blob: bytes | None = fields.BinaryField(null=True)
    uses = fields.IntField(default=0)

    class Meta:
        table = "material"
        indexes = (("corp_id", "category"),)


class MassSend(CorpScopedModel):
    """A one-off 群发 to customers (single) or customer groups (group)."""

    chat_type = fields.CharEnumField(ChatType, max_length=8, default=ChatType.SINGLE)
    name = fields.CharField(max_length=64)
    text = fields.TextField(default="")
    material_ids: fields.Field[list[int]] = fields.JSONField(default=list)
    target: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    status = fields.CharEnumField(
        MassSendStatus, max_length=16, default=MassSendStatus.SCHEDULED, db_index=True
    )
    send_at = fields.DatetimeField(db_index=True)
    created_by = fields.CharField(max_length=64, default="")
    planned = fields.IntField(default=0)  # recipients when the tasks were made
    error = fields.TextField(default="")
    next_track_at: datetime | None = fields.DatetimeField(null=True, db_index=True)
    track_every = fields.IntField(default=30)  # seconds; grows while nothing changes
    tracked_at: datetime | None = fields.DatetimeField(null=True)
    # The lease of the worker making the tasks, renewed after each task: a send left "sending"
    # with an old lease (the worker died) is taken over by the tick and resumed.
    claimed_at: datetime | None = fields.DatetimeField(null=True)
    # The worker holding it (its heartbeat id): a dead one's send is taken over at once.
    claimed_by = fields.CharField(max_length=40, default="", db_default="")

    class Meta:
        table = "mass_send"


class MassSendTask(CorpScopedModel):
    """One add_msg_template task: one sending member, up to 10 000 customers / 2 000 groups."""

    send: fields.ForeignKeyRelation[MassSend] = fields.ForeignKeyField(
        "models.MassSend", related_name="tasks", on_delete=fields.CASCADE
    )
    sender = fields.CharField(max_length=64)
    msgid = fields.CharField(max_length=64, default="", db_index=True)
    recipients = fields.IntField(default=0)
    confirmed = fields.BooleanField(default=False)
    sent_at: datetime | None = fields.DatetimeField(null=True)
    reminders: fields.Field[list[str]] = fields.JSONField(default=list)  # ISO instants
    error = fields.TextField(default="")

    class Meta:
        table = "mass_send_task"
        indexes = (fk_index("mass_send_task", "send_id"),)


class MassSendRecipient(CorpScopedModel):
    """A customer or group in a task, with WeCom's send status (0 未发送 1 已发送 2 非好友
    3 已收到其他群发)."""

    task: fields.ForeignKeyRelation[MassSendTask] = fields.ForeignKeyField(
        "models.MassSendTask", related_name="rows", on_delete=fields.CASCADE
    )
    send_id = fields.BigIntField()
    target_id = fields.CharField(max_length=64)  # external_userid or chat_id
    status = fields.SmallIntField(default=0)
    sent_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "mass_send_recipient"
        unique_together = (("task", "target_id"),)
        indexes = (("send_id", "status"), ("corp_id", "target_id", "sent_at"))


class LinkOpen(CorpScopedModel):
    """One open of a 雷达 link: who sent it, to whom, through which send."""

    material_id = fields.BigIntField(db_index=True)
    sender = fields.CharField(max_length=64, default="")
    target_id = fields.CharField(max_length=64, default="")  # external_userid or chat_id
    source = fields.CharField(max_length=32, default="")  # mass:<id> | sidebar | sop | journey
    user_agent = fields.CharField(max_length=256, default="")
    opened_at = fields.DatetimeField()

    class Meta:
        table = "link_open"
        indexes = (("corp_id", "target_id"),)
