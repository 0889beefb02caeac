"""The inbox's group commit: concurrent callbacks share one multi-row INSERT (see group_insert)."""

from __future__ import annotations

from typing import Any

from bot.group_insert import per_loop
from scrm.services.bulk import Table

INBOX = Table(
    "inbox",
    (
        "key",
        "corp_id",
        "kind",
        "payload",
        "parsed",
        "status",
        "attempts",
        "replays",
        "last_error",
        "received_at",
        "arrived_at",
    ),
    ("key",),
)
_inserter = per_loop(INBOX)


async def insert(values: list[Any]) -> int | None:
    """The row's id, or None when its key was stored already (a WeCom retry)."""
    return await _inserter().insert(values)
