"""Operator tools for the inbox: list rows by status and replay failed or dead ones."""

from __future__ import annotations

from datetime import UTC, datetime

from arq.connections import ArqRedis

from bot import inbox
from scrm.enums import InboxStatus
from scrm.models import Inbox


async def list_rows(status: str | None, limit: int = 50) -> list[Inbox]:
    query = Inbox.all().order_by("-id").limit(limit)
    if status:
        query = query.filter(status=InboxStatus(status))
    return await query


async def replay(arq: ArqRedis, ids: list[int] | None, statuses: list[InboxStatus]) -> int:
    """Reset the chosen rows to pending with a fresh attempt budget and enqueue them now."""
    query = Inbox.filter(id__in=ids) if ids else Inbox.filter(status__in=statuses)
    count = 0
    for row in await query:
        # replays+1 gives fresh job ids, so arq's memory of earlier attempts cannot block them.
        row.replays += 1
        row.status, row.next_attempt_at, row.attempts = InboxStatus.PENDING, None, 0
        row.received_at = datetime.now(UTC)
        await row.save(
            update_fields=["replays", "status", "next_attempt_at", "attempts", "received_at"]
        )
        if await inbox.enqueue(arq, [(row.id, row.key, 0, row.replays)]):
            count += 1
    return count
