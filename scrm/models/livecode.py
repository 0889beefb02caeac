"""Channel live codes (渠道活码): a WeCom contact way plus pool, schedule, welcome and tags."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tortoise import fields

from scrm.enums import (
    GroupCodeStatus,
    LiveCodeStatus,
    LiveCodeStrategy,
    SkipVerifyMode,
    WelcomeResult,
)
from scrm.models.base import CorpScopedModel


class LiveCode(CorpScopedModel):
    name = fields.CharField(max_length=64)
    # `state` travels through WeCom (≤ 30 chars) and comes back on add_external_contact.
    state = fields.CharField(max_length=30)
    channel = fields.CharField(max_length=64, default="")
    campaign = fields.CharField(max_length=64, default="")
    # native: WeCom picks among the eligible members of one multi-member contact way;
    # round_robin / weighted / least_loaded: our /l/{id} page picks, then shows that
    # member's own single-member contact way (exact quotas, exact rotation).
    strategy = fields.CharEnumField(
        LiveCodeStrategy, max_length=16, default=LiveCodeStrategy.ROUND_ROBIN
    )
    config_id = fields.CharField(max_length=64, default="")
    qr_url = fields.CharField(max_length=512, default="")
    staff_userids: fields.Field[list[str]] = fields.JSONField(default=list)  # pool, in order
    # Departments whose members join the pool (expanded at create/edit and by the cron).
    departments: fields.Field[list[int]] = fields.JSONField(default=list)
    department_quota = fields.IntField(default=0)  # daily quota for members from departments
    # A customer who already has an owner in the corp goes back to them (transfer + notice).
    one_owner = fields.BooleanField(default=False)
    one_owner_text = fields.TextField(default="")
    # {"1": [["09:00", "18:00"]], ...} by ISO weekday; {} means always. Special dates win.
    schedule: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    special_dates: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    total_cap = fields.IntField(default=0)  # 0: no cap on the code's adds
    expires_at: datetime | None = fields.DatetimeField(null=True)
    skip_verify = fields.BooleanField(default=True)
    skip_verify_mode = fields.CharEnumField(
        SkipVerifyMode, max_length=8, default=SkipVerifyMode.ALWAYS
    )
    skip_verify_windows: fields.Field[list[Any]] = fields.JSONField(default=list)
    welcome_text = fields.TextField(default="")
    welcome_attachments: fields.Field[list[Any]] = fields.JSONField(default=list)
    # 素材库 ids sent after the welcome text, read at send time (edits reach new customers)
    welcome_material_ids: fields.Field[list[int]] = fields.JSONField(default=list)
    # [{"weekdays": [1..7], "start": "HH:MM", "end": "HH:MM", "text": ..., "attachments": [...]}]
    welcome_variants: fields.Field[list[Any]] = fields.JSONField(default=list)
    tag_ids: fields.Field[list[str]] = fields.JSONField(default=list)
    remark_template = fields.CharField(max_length=64, default="")
    description_template = fields.CharField(max_length=255, default="")
    status = fields.CharEnumField(LiveCodeStatus, max_length=16, default=LiveCodeStatus.ACTIVE)
    poster: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)  # PosterTemplate
    # The poster's uploaded background (PNG or JPEG, ≤ 1 MB), kept in the row like materials'
    # files so every process renders the same poster without a shared disk.
    poster_background: bytes | None = fields.BinaryField(null=True)
    synced_userids: fields.Field[list[str]] = fields.JSONField(default=list)
    last_error = fields.TextField(default="")
    active = fields.BooleanField(default=True)

    class Meta:
        table = "live_code"
        unique_together = (("corp", "state"),)


class LiveCodeMember(CorpScopedModel):
    """A member of a code's pool, with its own quota and its own single-member contact way."""

    code: fields.ForeignKeyRelation[LiveCode] = fields.ForeignKeyField(
        "models.LiveCode", related_name="members", on_delete=fields.CASCADE
    )
    userid = fields.CharField(max_length=64)
    weight = fields.IntField(default=1)
    daily_quota = fields.IntField(default=0)  # 0: unlimited
    total_cap = fields.IntField(default=0)
    online = fields.BooleanField(default=True)
    backup = fields.BooleanField(default=False)  # gets customers only when the pool is exhausted
    welcome_text = fields.TextField(default="")  # per-member override of the code's text
    config_id = fields.CharField(max_length=64, default="")
    qr_url = fields.CharField(max_length=512, default="")
    adds_total = fields.IntField(default=0)

    class Meta:
        table = "live_code_member"
        unique_together = (("code", "userid"),)


class LiveCodeAdd(CorpScopedModel):
    """One add through a code: the facts behind its statistics."""

    code: fields.ForeignKeyRelation[LiveCode] = fields.ForeignKeyField(
        "models.LiveCode", related_name="adds", on_delete=fields.CASCADE
    )
    userid = fields.CharField(max_length=64)
    external_userid = fields.CharField(max_length=64)
    added_at = fields.DatetimeField()
    day: date = fields.DateField()  # in the corp's time zone
    welcome = fields.CharEnumField(
        WelcomeResult, max_length=16, default=WelcomeResult.NOT_RECORDED
    )
    welcome_ms = fields.IntField(null=True)
    lost_at: datetime | None = fields.DatetimeField(null=True)

    class Meta:
        table = "live_code_add"
        unique_together = (("code", "userid", "external_userid", "added_at"),)


class GroupLiveCode(CorpScopedModel):
    """A 群活码: one WeCom join way over ≤ 5 groups at a time, rotating as groups fill."""

    name = fields.CharField(max_length=64)
    state = fields.CharField(max_length=30)
    chat_ids: fields.Field[list[str]] = fields.JSONField(default=list)  # rotation order
    current_chat_ids: fields.Field[list[str]] = fields.JSONField(default=list)  # at WeCom
    threshold = fields.IntField(default=200)  # move on when a group has this many members
    auto_create = fields.BooleanField(default=True)
    room_base_name = fields.CharField(max_length=40, default="")
    room_base_id = fields.IntField(default=1)
    welcome_text = fields.TextField(default="")
    welcome_template_id = fields.CharField(max_length=64, default="")
    config_id = fields.CharField(max_length=64, default="")
    qr_url = fields.CharField(max_length=512, default="")
    status = fields.CharEnumField(GroupCodeStatus, max_length=16, default=GroupCodeStatus.ACTIVE)
    last_error = fields.TextField(default="")
    active = fields.BooleanField(default=True)

    class Meta:
        table = "group_live_code"
        unique_together = (("corp", "state"),)


class GroupLiveCodeJoin(CorpScopedModel):
    code: fields.ForeignKeyRelation[GroupLiveCode] = fields.ForeignKeyField(
        "models.GroupLiveCode", related_name="joins", on_delete=fields.CASCADE
    )
    chat_id = fields.CharField(max_length=64)
    member_id = fields.CharField(max_length=64)
    joined_at = fields.DatetimeField()
    day: date = fields.DateField()

    class Meta:
        table = "group_live_code_join"
        unique_together = (("code", "chat_id", "member_id", "joined_at"),)
