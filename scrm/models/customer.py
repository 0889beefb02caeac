"""External contacts (客户) and their follow relations with staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import fields

from scrm.enums import RelationStatus
from scrm.models.base import CorpScopedModel, EncryptedTextField


class Customer(CorpScopedModel):
    external_userid = fields.CharField(max_length=64)
    name = fields.CharField(max_length=128, default="")
    avatar = fields.CharField(max_length=512, default="")
    type = fields.SmallIntField(default=1)  # 1 WeChat user, 2 WeCom user
    gender = fields.SmallIntField(default=0)
    unionid = fields.CharField(max_length=64, default="", db_index=True)
    corp_name = fields.CharField(max_length=128, default="")
    position = fields.CharField(max_length=128, default="")
    # Phone: encrypted, matched through a keyed blind index (HMAC) — never stored in clear.
    phone = EncryptedTextField(null=True)
    phone_index = fields.CharField(max_length=64, null=True, db_index=True)
    # First channel that brought the customer (live-code state or platform), never overwritten.
    first_channel = fields.CharField(max_length=64, default="")
    last_activity_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "customer"
        unique_together = (("corp", "external_userid"),)


class FollowRelation(CorpScopedModel):
    """One staff member ↔ one customer: the WeCom friend relationship and its history."""

    staff: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Staff", related_name="follows", on_delete=fields.CASCADE
    )
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="follows", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(RelationStatus, max_length=24, default=RelationStatus.ACTIVE)
    state = fields.CharField(max_length=64, default="")  # contact-way state at the add
    remark = fields.CharField(max_length=64, default="")
    description = fields.CharField(max_length=255, default="")
    tag_ids: fields.Field[list[str]] = fields.JSONField(default=list)
    add_way = fields.SmallIntField(default=0)
    oper_userid = fields.CharField(max_length=64, default="")  # who made the add (WeCom's)
    # The member's remark phones: the JSON list encrypted, and one blind index per phone so a
    # sync compares (and a search matches) without decrypting.
    remark_mobiles = EncryptedTextField(null=True)
    mobile_indexes: fields.Field[list[str]] = fields.JSONField(default=list)
    added_at: datetime | None = fields.DatetimeField(null=True)
    deleted_at: datetime | None = fields.DatetimeField(null=True)
    welcome_code = fields.CharField(max_length=128, default="")

    class Meta:
        table = "follow_relation"
        unique_together = (("corp", "staff", "customer"),)
        # customer → relations (journeys, branches, timelines): the unique key leads with staff
        indexes = (("customer_id",),)
