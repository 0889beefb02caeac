"""Customer journeys: enrolment on triggers (with re-entry), and the engine that walks them."""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp
from tortoise import connections
from tortoise.exceptions import IntegrityError

from scrm.models import Corp, Journey, JourneyRun
from scrm.models.sop import journey_owner
from scrm.sop.execute import ClientFor
from scrm.sop.journey_batch import Batch, Claimed, walk
from scrm.sop.journey_state import send_due
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


def _starts(j: Journey, kind: str, facts: dict[str, Any]) -> bool:
    """Whether this trigger event starts journey `j`."""
    t = j.trigger
    if t.get("kind") != kind:
        return False
    if kind == "livecode_add":
        return not t.get("code_ids") or facts.get("code_id") in t["code_ids"]
    if kind == "grade_reached":
        return facts.get("grade") in t.get("grades", [])
    if kind == "tag_added":
        return bool(set(facts.get("tag_ids", [])) & set(t.get("tag_ids", [])))
    if kind == "stage_changed":
        return facts.get("stage") in t.get("stages", [])
    # date and attribute triggers enrol into the one journey whose sweep matched
    return bool(facts.get("journey_id") == j.id)


async def enroll(
    corp_id: int,
    kind: str,
    external_userid: str,
    owner: str,
    facts: dict[str, Any],
    now: datetime | None = None,
    entry: str = "",
) -> int:
    """Put the customer on every active journey this trigger starts.

    A customer is on a journey once at a time. They enter again only when the journey allows
    it (`trigger.reentry`, or a date trigger's new `entry` such as next year's birthday) and
    their previous entry has ended; the row is reset, its log kept."""
    now = now or datetime.now(UTC)
    entered = 0
    for j in await Journey.filter(corp_id=corp_id, status="active"):
        if not _starts(j, kind, facts):
            continue
        key = entry or (now.isoformat() if j.trigger.get("reentry") else "")
        due = now.astimezone(UTC)
        if j.nodes[0]["kind"] == "send":  # like every arrival at a send: its window's end
            due = send_due(due, j.send_window_minutes)
        first = {"node_id": j.nodes[0]["id"], "due_at": due, "status": "active"}
        try:
            await JourneyRun.create(
                corp_id=corp_id,
                journey_id=j.id,
                external_userid=external_userid,
                entry=key,
                **journey_owner(owner),
                **first,
            )
            entered += 1
        except IntegrityError:
            # On it already. Re-enter only a finished entry with a different key: the
            # conditional UPDATE lets exactly one of two racing triggers win.
            entered += await (
                JourneyRun.filter(
                    journey_id=j.id,
                    external_userid=external_userid,
                    status__in=("done", "exited"),
                )
                .exclude(entry=key)
                .update(entry=key, updated_at=now, **journey_owner(owner), **first)
            )
    return entered


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
