"""The tenant: one WeCom corp (企业) with its app credentials, encrypted at rest."""

from __future__ import annotations

from tortoise import fields

from scrm.models.base import EncryptedTextField, TimestampedModel


class Corp(TimestampedModel):
    corp_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=128, default="")
    # Callback Token, EncodingAESKey and app secret: encrypted with SCRM_SECRET_KEY.
    token = EncryptedTextField()
    aes_key = EncryptedTextField()
    secret = EncryptedTextField()
    agent_id = fields.IntField(default=0)
    api_base = fields.CharField(max_length=255, default="https://qyapi.weixin.qq.com")
    timezone = fields.CharField(max_length=64, default="Asia/Shanghai")
    active = fields.BooleanField(default=True)

    class Meta:
        table = "corp"

    def __str__(self) -> str:
        return f"Corp({self.corp_id})"
