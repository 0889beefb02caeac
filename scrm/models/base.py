"""Abstract bases: timestamps, the corp (tenant) key, encrypted text, foreign-key indexes."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from scrm import vault


class EncryptedTextField(fields.TextField):
    """A text column stored encrypted with the vault's master key (secrets, AES keys, phones)."""

    def to_db_value(self, value: Any, instance: Any) -> Any:
        if value is None or value == "":
            return value
        return vault.current().encrypt(str(value))

    def to_python_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        if isinstance(value, str) and value.startswith("gAAAA"):
            return vault.current().decrypt(value)
        return value


class TimestampedModel(Model):
    id = fields.BigIntField(primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True


class CorpScopedModel(TimestampedModel):
    """Every tenant row carries its corp."""

    corp: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Corp", related_name=False, on_delete=fields.CASCADE
    )

    class Meta:
        abstract = True


def corp_pk(row: Any) -> int:
    """The corp primary key of a tenant row (tortoise adds `corp_id` at runtime, untyped)."""
    return int(row.corp_id)


def fk_index(table: str, column: str) -> Index:
    """The index a foreign key needs for its children to be found (PostgreSQL makes none),
    named so a migration can build it CONCURRENTLY under the same name (migration 0031)."""
    return Index(fields=(column,), name=f"idx_{table}_{column}"[:63])
