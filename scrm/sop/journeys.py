"""Customer journeys: enrolment on triggers (with re-entry), and the engine that walks them."""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp
from tortoise import connections

from scrm.models import Corp, Journey
from scrm.services.journey_enroll import enroll
from scrm.sop.execute import ClientFor
from scrm.sop.journey_batch import Batch, Claimed, walk
from scrm.sop.journey_stuck import STUCK, claimers, release_stuck

__all__ = [
    "STUCK",
    "claim",
    "claim_rows",
    "claimers",
    "enroll",
    "release_stuck",
    "run_due",
    "step_runs",
]


async def claim_rows(
    now: datetime,
    limit: int = 5000,
    lanes: Sequence[int] | None = None,
    after: datetime | None = None,
    by: str = "",
) -> list[Claimed]:
    """Mark up to `limit` due customers of active journeys `running` and return them (SKIP
    LOCKED on PostgreSQL, so concurrent scans take disjoint rows). Customers of a paused
    journey wait where they are. `lanes`: only the runs of these lanes (None: every lane);
    `after`: only runs due after it (a lane handed over, decision 0034); `by`: the claiming
    worker (journey_run.claimed_by: its runs are handed on when it dies, decision 0037)."""
    if lanes is not None and not lanes:
        return []
    conn = connections.get("default")
    pg = conn.capabilities.dialect == "postgres"
    params: list[Any] = []

    def mark(value: Any) -> str:
        # "?" is positional (SQLite), "$n" numbered: either way, in the order written.
        params.append(value)
        return f"${len(params)}" if pg else "?"

    utc = now.astimezone(UTC)
    # updated_at is when the claim was made (release_stuck: what a dead scanner did after it),
    # not the look-ahead's ceiling; a walk on a fixed past clock (tests) keeps its own time.
    at = min(utc, datetime.now(UTC))
    sql = (
        f"UPDATE journey_run SET status = 'running', updated_at = {mark(at)}, "
        f"claimed_by = {mark(by)} WHERE id IN ("
    )
    sql += f"SELECT id FROM journey_run WHERE status = 'active' AND due_at <= {mark(utc)} "
    if lanes is not None:
        sql += f"AND lane IN ({', '.join(mark(int(lane)) for lane in sorted(lanes))}) "
    if after is not None:
        sql += f"AND due_at > {mark(after.astimezone(UTC))} "
    sql += (
        "AND journey_id IN (SELECT id FROM journey WHERE status = 'active') "
        f"ORDER BY due_at, journey_id, node_id, owner_userid LIMIT {mark(limit)}"
        f"{' FOR UPDATE SKIP LOCKED' if pg else ''}) "
        "RETURNING id, journey_id, external_userid, owner_userid, node_id, due_at"
    )
    return [Claimed.from_row(r) for r in await conn.execute_query_dict(sql, params)]


async def claim(now: datetime, limit: int = 5000) -> list[int]:
    return [c.id for c in await claim_rows(now, limit)]


async def step_runs(
    claimed: list[Claimed],
    client_for: ClientFor,
    now: datetime,
    http: aiohttp.ClientSession | None = None,
    base_url: str = "",
    fence: Callable[[], bool] | None = None,
) -> dict[str, int]:
    """Walk the claimed customers, a journey at a time (`base_url`: where 雷达 links are
    served; `fence`: whether this worker may still make effects, Batch.fence)."""
    counts: dict[str, int] = {}
    by_journey: dict[int, list[Claimed]] = {}
    for run in claimed:
        by_journey.setdefault(run.journey_id, []).append(run)
    for journey_id, group in by_journey.items():
        journey = await Journey.get(id=journey_id)
        corp = await Corp.get(id=journey.corp_id)  # type: ignore[attr-defined]
        batch = Batch(journey, corp, client_for(corp), now, http, base_url=base_url, fence=fence)
        for outcome, n in (await walk(batch, group)).items():
            counts[outcome] = counts.get(outcome, 0) + n
    return counts


async def run_due(
    client_for: ClientFor,
    now: datetime | None = None,
    http: aiohttp.ClientSession | None = None,
    budget_s: float = 40.0,
    base_url: str = "",
) -> dict[str, int]:
    """Claim and walk due customers in batches until none is due or the budget is spent."""
    fixed = now is not None
    counts: dict[str, int] = {}
    started = clock.monotonic()
    await release_stuck(now or datetime.now(UTC))
    while clock.monotonic() - started < budget_s:
        at = now if fixed and now is not None else datetime.now(UTC)
        claimed = await claim_rows(at)
        if not claimed:
            break
        # All at once: customers of one owner at one node share a WeCom task only if they
        # are walked together (the claim orders them so).
        for outcome, n in (await step_runs(claimed, client_for, at, http, base_url)).items():
            counts[outcome] = counts.get(outcome, 0) + n
    return counts
