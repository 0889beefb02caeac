"""People who log in to the admin pages, and the quick replies (话术库) staff insert in chats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import fields

from scrm.enums import QuickReplyKind, Role
from scrm.models.base import CorpScopedModel, fk_index


class AdminUser(CorpScopedModel):
    """A login for /admin/: a scrypt hash, a role with its data scope, and lock-out state.
    Staff and managers are tied to a WeCom member (userid) whose customers they see."""

    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=64, default="")
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(Role, max_length=16)
    userid = fields.CharField(max_length=64, default="")
    team: fields.Field[list[str]] = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)
    failed_logins = fields.IntField(default=0)
    locked_until: datetime | None = fields.DatetimeField(null=True)
    last_login_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "admin_user"


class QuickReplyCategory(CorpScopedModel):
    name = fields.CharField(max_length=64)
    sort = fields.IntField(default=0)

    class Meta:
        table = "quick_reply_category"
        unique_together = (("corp", "name"),)


class QuickReply(CorpScopedModel):
    """One 话术库 item (text, image or link) that staff insert into a chat from the sidebar."""

    category: fields.ForeignKeyRelation[QuickReplyCategory] = fields.ForeignKeyField(
        "models.QuickReplyCategory", related_name="replies", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(QuickReplyKind, max_length=8)
    title = fields.CharField(max_length=128)
    content = fields.TextField(default="")  # the text, or a link's description
    url = fields.CharField(max_length=1024, default="")  # image or link address
    sort = fields.IntField(default=0)
    uses = fields.IntField(default=0)
    extra: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        table = "quick_reply"
        indexes = (fk_index("quick_reply", "category_id"),)
