"""get-or-create without a transaction: the hot path's rows are keyed by unique constraints.

tortoise's `get_or_create` opens a transaction; on SQLite a transaction holds the one shared
connection, so 50 concurrent jobs queued behind each other (seconds of latency under a
poster burst). A read, then an insert that the unique constraint guards, is enough here."""

from __future__ import annotations

from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.models import Model

M = TypeVar("M", bound=Model)


async def get_or_create(
    model: type[M], defaults: dict[str, Any] | None = None, **keys: Any
) -> tuple[M, bool]:
    found = await model.get_or_none(**keys)
    if found is not None:
        return found, False
    try:
        return await model.create(**keys, **(defaults or {})), True
    except IntegrityError:
        # Another job created it between our read and our insert: theirs is the row.
        return await model.get(**keys), False
