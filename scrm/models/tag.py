"""Enterprise customer tags (企业客户标签), mirrored from WeCom."""

from __future__ import annotations

from typing import Any

from tortoise import fields

from scrm.models.base import CorpScopedModel, fk_index


class TagGroup(CorpScopedModel):
    group_id = fields.CharField(max_length=64)
    name = fields.CharField(max_length=64, default="")
    order = fields.BigIntField(default=0)
    deleted = fields.BooleanField(default=False)

    class Meta:
        table = "tag_group"
        unique_together = (("corp", "group_id"),)


class Tag(CorpScopedModel):
    tag_id = fields.CharField(max_length=64)
    group: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.TagGroup", related_name="tags", null=True, on_delete=fields.SET_NULL
    )
    name = fields.CharField(max_length=64, default="")
    order = fields.BigIntField(default=0)
    deleted = fields.BooleanField(default=False)

    class Meta:
        table = "tag"
        indexes = (fk_index("tag", "group_id"),)
        unique_together = (("corp", "tag_id"),)
