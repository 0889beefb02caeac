"""Channel live codes (渠道活码): a WeCom contact way plus welcome and tagging rules."""

from __future__ import annotations

from tortoise import fields

from scrm.models.base import CorpScopedModel


class LiveCode(CorpScopedModel):
    name = fields.CharField(max_length=64)
    # `state` travels through WeCom (≤ 30 chars) and comes back on add_external_contact.
    state = fields.CharField(max_length=30)
    channel = fields.CharField(max_length=64, default="")
    config_id = fields.CharField(max_length=64, default="")
    qr_url = fields.CharField(max_length=512, default="")
    staff_userids: fields.Field[list[str]] = fields.JSONField(default=list)
    welcome_text = fields.TextField(default="")
    tag_ids: fields.Field[list[str]] = fields.JSONField(default=list)
    skip_verify = fields.BooleanField(default=True)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "live_code"
        unique_together = (("corp", "state"),)
