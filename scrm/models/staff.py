"""Staff members (企业成员) who serve customers."""

from __future__ import annotations

from tortoise import fields

from scrm.models.base import CorpScopedModel


class Staff(CorpScopedModel):
    userid = fields.CharField(max_length=64)
    name = fields.CharField(max_length=64, default="")
    department_ids: fields.Field[list[int]] = fields.JSONField(default=list)
    manager_userid = fields.CharField(max_length=64, default="")
    has_contact_permission = fields.BooleanField(default=True)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "staff"
        unique_together = (("corp", "userid"),)


class Department(CorpScopedModel):
    """A WeCom department's name, mirrored by the staff sync (department/list) so pickers and
    pages show 销售部 rather than a number."""

    dept_id = fields.IntField()
    name = fields.CharField(max_length=64, default="")
    parent_id = fields.IntField(default=0)
    order = fields.BigIntField(default=0)

    class Meta:
        table = "department"
        unique_together = (("corp", "dept_id"),)
