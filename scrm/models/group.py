"""Customer groups (客户群) and their members."""

from __future__ import annotations

from datetime import datetime

from tortoise import fields

from scrm.enums import GroupStatus, MemberType
from scrm.models.base import CorpScopedModel


class GroupChat(CorpScopedModel):
    chat_id = fields.CharField(max_length=64)
    name = fields.CharField(max_length=128, default="")
    owner_userid = fields.CharField(max_length=64, default="")
    notice = fields.TextField(default="")
    status = fields.CharEnumField(GroupStatus, max_length=16, default=GroupStatus.ACTIVE)
    member_version = fields.CharField(max_length=64, default="")
    member_count = fields.IntField(default=0)
    dismissed_at: datetime | None = fields.DatetimeField(null=True)
    admins: fields.Field[list[str]] = fields.JSONField(default=list)  # userids of 群管理员
    # Our own group tags (群标签): WeCom has no corp tags for groups. SOP plans target them.
    tags: fields.Field[list[str]] = fields.JSONField(default=list)

    class Meta:
        table = "group_chat"
        unique_together = (("corp", "chat_id"),)


class GroupMember(CorpScopedModel):
    chat: fields.ForeignKeyRelation[GroupChat] = fields.ForeignKeyField(
        "models.GroupChat", related_name="members", on_delete=fields.CASCADE
    )
    member_id = fields.CharField(max_length=64)  # userid or external_userid
    type = fields.CharEnumField(MemberType, max_length=16, default=MemberType.EXTERNAL)
    join_scene = fields.SmallIntField(null=True)
    quit_scene = fields.SmallIntField(null=True)
    joined_at: datetime | None = fields.DatetimeField(null=True)
    left_at: datetime | None = fields.DatetimeField(null=True)
    active = fields.BooleanField(default=True)
    invitor = fields.CharField(max_length=64, default="")  # userid of who invited them
    group_nickname = fields.CharField(max_length=128, default="")
    name = fields.CharField(max_length=128, default="")  # WeCom's display name (need_name=1)

    class Meta:
        table = "group_member"
        unique_together = (("chat", "member_id"),)
