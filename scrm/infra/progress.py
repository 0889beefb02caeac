"""Progress of long operations (CSV import, re-score, staff sync) in Redis, for pages to poll."""

from __future__ import annotations

import json
import secrets
from typing import Any

from redis.asyncio import Redis

TTL_SECONDS = 24 * 3600


def new_id() -> str:
    return secrets.token_urlsafe(12)


def _key(op_id: str) -> str:
    return f"progress:{op_id}"


async def report(
    redis: Redis,
    op_id: str,
    *,
    done: int,
    total: int,
    state: str = "running",
    message: str = "",
    result: dict[str, Any] | None = None,
) -> None:
    """state: queued | running | done | failed. `result` is what the page shows at the end."""
    value = {"id": op_id, "done": done, "total": total, "state": state, "message": message}
    if result is not None:
        value["result"] = result
    await redis.set(_key(op_id), json.dumps(value, ensure_ascii=False), ex=TTL_SECONDS)


async def read(redis: Redis, op_id: str) -> dict[str, Any] | None:
    raw = await redis.get(_key(op_id))
    return None if raw is None else dict(json.loads(raw))
