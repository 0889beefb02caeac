"""The live journey scanner: claim and screen customers a little ahead of their due time,
then walk them the moment they are due.

Walking a large batch takes seconds (the claim, the friend and exit-tag checks). Done after
the due time, that is lateness: 100 000 customers due in one second were sent 12 s late at
the median. Done ahead, only the walk itself is left for the due second. A customer claimed
ahead is `running`; should the worker die, `release_stuck` hands it back (late, not lost)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import aiohttp

from scrm.infra import clock
from scrm.infra.logging import get_logger
from scrm.models import Corp, Journey
from scrm.sop import journeys
from scrm.sop.execute import ClientFor
from scrm.sop.journey_batch import Claimed, screen
from scrm.sop.journey_lanes import HANDOVER_GRACE

log = get_logger("scrm.sop.journey_scanner")
LOOKAHEAD = timedelta(seconds=20)
TICK_S = 0.25  # how often a waiting scanner looks for newly due customers


async def _screen_all(claimed: list[Claimed]) -> None:
    by_journey: dict[int, list[Claimed]] = {}
    for run in claimed:
        by_journey.setdefault(run.journey_id, []).append(run)
    for journey_id, group in by_journey.items():
        journey = await Journey.get(id=journey_id)
        corp = await Corp.get(id=journey.corp_id)  # type: ignore[attr-defined]
        await screen(corp.id, journey, group, clock.zone(corp.timezone))


class Lanes(Protocol):
    """The lanes a scanner holds (journey_lanes.Lease)."""

    claimer: str  # this worker's id, written on the runs it claims

    async def current(self) -> list[int]: ...
    def fresh(self) -> bool: ...
    async def dead(self, claimers: set[str]) -> set[str]: ...
    def abandon(self) -> None: ...
    def floor(self, lane: int, now: datetime) -> datetime | None: ...
    async def release(self, horizon: datetime | None = None) -> None: ...


async def _claim(
    ceiling: datetime, mine: list[int] | None, lanes: Lanes | None, now: datetime
) -> list[Claimed]:
    """Claim runs due by `ceiling` in `mine` (None: every lane), each lane above the horizon
    its previous holder left (that scanner claims the late-comers up to it itself)."""
    plan: list[tuple[datetime | None, list[int] | None]] = [(None, None)]
    if mine is not None:
        by_floor: dict[datetime | None, list[int]] = {}
        for lane in mine:
            floor = lanes.floor(lane, now) if lanes is not None else None
            by_floor.setdefault(floor, []).append(lane)
        plan = list(by_floor.items())
    fresh: list[Claimed] = []
    for after, group in plan:
        if after is not None and after >= ceiling:
            continue
        by = lanes.claimer if lanes is not None else ""
        while batch := await journeys.claim_rows(ceiling, lanes=group, after=after, by=by):
            fresh.extend(batch)
    return fresh


async def _release(client_for: ClientFor, lanes: Lanes | None) -> None:
    """Hand back what dead scanners left `running`: a dead worker's runs at once (its
    heartbeat stopped, decision 0037), any run after STUCK."""
    dead = await lanes.dead(await journeys.claimers()) if lanes is not None else set()
    await journeys.release_stuck(datetime.now(UTC), dead, client_for)


def _add(counts: dict[str, int], more: dict[str, int]) -> None:
    for outcome, n in more.items():
        counts[outcome] = counts.get(outcome, 0) + n


async def run_live(
    client_for: ClientFor,
    http: aiohttp.ClientSession | None = None,
    budget_s: float = 30.0,
    lookahead: timedelta = LOOKAHEAD,
    done_claiming: Callable[[], Awaitable[None]] | None = None,
    base_url: str = "",
    lanes: Lanes | None = None,
    stop: asyncio.Event | None = None,
) -> dict[str, int]:
    """Claim (for `budget_s`) whatever falls due within `lookahead`, screen it, and walk each
    customer once it is due. Everything claimed is walked before returning, so one scan runs
    at most `budget_s` + `lookahead`.

    `lanes`: the lanes this scanner leased (None: every lane). Customers of one send window
    and owner must be walked together to share one task, and a lane holds all of an owner's
    runs, so one scanner per lane keeps that. Once this one stops claiming it releases its
    lanes (and calls `done_claiming`), so the next scanner claims ahead while this one still
    walks what it holds — no gap in which nobody looks ahead. Until its last walk it alone
    claims the late-comers due by then (its horizon): they join the windows it holds. `stop`
    set (the worker is shutting down) ends the claiming at once, like the budget."""
    counts: dict[str, int] = {}
    held: list[Claimed] = []
    started = time.monotonic()
    claiming = True
    kept: list[int] | None = None  # the lanes at the hand-over
    horizon: datetime | None = None  # the latest due time held at the hand-over

    async def hand_over() -> None:
        nonlocal claiming, kept, horizon
        claiming = False
        horizon = max((r.due_at for r in held), default=None)
        kept = None if lanes is None else await lanes.current()
        if lanes is not None:
            await lanes.release(horizon)
        if done_claiming is not None:
            await done_claiming()

    await _release(client_for, lanes)
    try:
        while True:
            now = datetime.now(UTC)
            if claiming and (
                time.monotonic() - started >= budget_s or (stop is not None and stop.is_set())
            ):
                await hand_over()
            fresh: list[Claimed] = []
            mine = kept
            if claiming:
                mine = None if lanes is None else await lanes.current()
                if mine == []:  # every lease lost (Redis restarted, a stall): claim no more
                    await hand_over()
                else:
                    fresh = await _claim(now + lookahead, mine, lanes, now)
            elif horizon is not None and now <= horizon + HANDOVER_GRACE / 2:
                fresh = await _claim(horizon, kept, lanes, now)  # late-comers of held windows
            if fresh:
                await _screen_all(fresh)
                held.extend(fresh)
                took = (datetime.now(UTC) - now).total_seconds()
                now = datetime.now(UTC)
                ahead = (min(r.due_at for r in fresh) - now).total_seconds()
                log.info(
                    "journey.claimed",
                    customers=len(fresh),
                    s=round(took, 2),
                    ahead_s=ahead,
                    lanes=mine,
                )
            if not held:
                if claiming:
                    await hand_over()
                return counts
            due = [r for r in held if r.due_at <= now]
            if due:
                held = [r for r in held if r.due_at > now]
                fence = lanes.fresh if lanes is not None else None
                _add(counts, await journeys.step_runs(due, client_for, now, http, base_url, fence))
                late = (now - min(r.due_at for r in due)).total_seconds()
                took = (datetime.now(UTC) - now).total_seconds()
                log.info(
                    "journey.walked", customers=len(due), late_s=round(late, 2), s=round(took, 2)
                )
                continue
            wait = (min(r.due_at for r in held) - now).total_seconds()
            await asyncio.sleep(max(0.0, min(wait, TICK_S)))
    except BaseException:
        # Failed (Redis or the database gone mid-walk) or cancelled: what it holds is handed
        # back now if it can be, else by this worker's next scan (a sibling scanner of this
        # worker, alive, keeps its own), with the sends WeCom already made found and kept.
        if lanes is not None:
            lanes.abandon()
            with contextlib.suppress(Exception):
                await asyncio.shield(_release(client_for, lanes))
        raise
