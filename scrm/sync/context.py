"""What one sync run carries between its steps: the corp, the client, options, counts, lock."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.asyncio.lock import Lock

from scrm.sync.planner import PlannerStats
from wecom.client import WeComClient

# (message, done, total) — the CLI prints it, the admin job writes it to scrm.infra.progress.
Progress = Callable[[str, int, int], Awaitable[None]]
# Called after every saved page (tests use it to cut a run short, as a kill would).
PageHook = Callable[[str, int], Awaitable[None]]
SEEN_TTL = 3 * 24 * 3600  # a run resumed later than this starts its member again
SEEN_MARK = "0"  # always in a seen set, so "empty" and "expired" can be told apart


async def _quiet(message: str, done: int, total: int) -> None:
    return None


@dataclass
class Counts:
    """added / changed / ended per kind, and the mirror rows written."""

    kinds: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: {"added": 0, "changed": 0, "ended": 0})
    )
    rows_written: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, *, added: int = 0, changed: int = 0, ended: int = 0) -> None:
        row = self.kinds[kind]
        row["added"] += added
        row["changed"] += changed
        row["ended"] += ended
        self.rows_written += added + changed + ended

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {k: dict(v) for k, v in self.kinds.items()}


@dataclass
class SyncContext:
    corp_id: int  # Corp primary key
    client: WeComClient
    redis: Redis
    counts: Counts = field(default_factory=Counts)
    progress: Progress = _quiet
    after_page: PageHook | None = None
    lock: Lock | None = None
    customer_page: int = 100  # batch/get_by_user limit (WeCom: ≤ 100)
    group_page: int = 1000  # groupchat/list limit (WeCom: ≤ 1000)
    group_fetches: int = 8  # groupchat/get calls in flight at once
    started: float = field(default_factory=time.monotonic)
    calls_at_start: int = 0
    planner: PlannerStats = field(default_factory=PlannerStats)

    def __post_init__(self) -> None:
        self.calls_at_start = self.client.stats.calls

    @property
    def api_calls(self) -> int:
        return self.client.stats.calls - self.calls_at_start

    def now(self) -> datetime:
        return datetime.now(UTC)

    # What a member's (or the group list's) pages have listed so far lives in a Redis set, so
    # a run cut short and resumed still knows what its earlier pages saw when it ends rows.
    def _seen_key(self, step: str, key: str) -> str:
        return f"sync:{self.corp_id}:seen:{step}:{key}"

    async def start_seen(self, step: str, key: str, cursor: str) -> str:
        """The cursor to continue from: "" (start over) if the earlier pages' set is gone."""
        name = self._seen_key(step, key)
        if cursor and not await self.redis.exists(name):
            cursor = ""
        if not cursor:
            await self.redis.delete(name)
        await self.redis.sadd(name, SEEN_MARK)  # type: ignore[misc]
        await self.redis.expire(name, SEEN_TTL)
        return cursor

    async def add_seen(self, step: str, key: str, values: list[str]) -> None:
        if values:
            await self.redis.sadd(self._seen_key(step, key), *values)  # type: ignore[misc]

    async def seen(self, step: str, key: str) -> set[str] | None:
        """What the pages listed; None if the set was lost meanwhile (Redis flushed or
        restarted): then nothing may be ended on its word."""
        raw = await self.redis.smembers(self._seen_key(step, key))  # type: ignore[misc]
        values = {v.decode() if isinstance(v, bytes) else str(v) for v in raw}
        if SEEN_MARK not in values:
            self.counts.errors.append(f"{step} {key}：已读记录丢失，本次未标记结束")
            return None
        return values

    async def drop_seen(self, step: str, key: str) -> None:
        await self.redis.delete(self._seen_key(step, key))

    async def page_done(self, step: str, pages: int) -> None:
        """Keep the lock ours (a long run outlives its timeout otherwise), keep the planner's
        statistics fresh as the tables fill, then the hook."""
        if self.lock is not None:
            await self.lock.reacquire()
        await self.planner.maybe_refresh(self.counts.rows_written)
        if self.after_page is not None:
            await self.after_page(step, pages)
