"""What every report shares: the scope it is asked for, and the few statistics it uses."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections
from tortoise.transactions import in_transaction

from scrm.infra import clock

# Matches no owner: WeCom userids are ASCII (an empty scope must select nobody, not everyone).
NOBODY = "∅"


@dataclass(frozen=True)
class Scope:
    """Whose data, which window, which filters. `owners` None means the whole corp (admin,
    ops); a manager's is themselves and their team, staff's themselves only. `member` and
    `channel` narrow further; `member` outside `owners` narrows to nobody."""

    corp_id: int
    since: datetime
    until: datetime
    owners: list[str] | None = None
    member: str = ""
    channel: str = ""
    tz: str = clock.DEFAULT_ZONE

    def people(self) -> list[str] | None:
        """The owners to filter on, after the member filter (None: no filter)."""
        if self.member:
            return [self.member] if self.owners is None or self.member in self.owners else []
        return self.owners

    def sees(self, owner: str) -> bool:
        people = self.people()
        return people is None or owner in people

    def zone(self) -> ZoneInfo:
        return clock.zone(self.tz)


def rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100): the smallest value with at least p % at or
    below it — always one of the values, so a hand count gives the same answer."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def days(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 86400, 2)


def owner_filter(people: list[str] | None, field: str = "owner_userid") -> dict[str, Any]:
    """Tortoise filter kwargs for a scope's people (an empty list matches nobody)."""
    if people is None:
        return {}
    return {f"{field}__in": people or [NOBODY]}


@asynccontextmanager
async def planned() -> AsyncIterator[None]:
    """A report's queries on PostgreSQL: one read transaction with JIT off and room to sort
    in memory. Report queries run for milliseconds; JIT compiled the larger plans for longer
    than they ran, and stage time's sorts of the stage history spilled to disk at the 4 MB
    default (issue 19)."""
    if connections.get("default").capabilities.dialect != "postgres":
        yield
        return
    async with in_transaction("default") as tx:
        await tx.execute_query("SET LOCAL jit = off")
        await tx.execute_query("SET LOCAL work_mem = '32MB'")
        yield
