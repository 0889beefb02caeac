"""The live journey scanner: claim and screen customers a little ahead of their due time,
then walk them the moment they are due.

Walking a large batch takes seconds (the claim, the friend and exit-tag checks). Done after
the due time, that is lateness: 100 000 customers due in one second were sent 12 s late at
the median. Done ahead, only the walk itself is left for the due second. A customer claimed
ahead is `running`; should the worker die, `release_stuck` hands it back (late, not lost)."""

from __future__ import annotations

import asyncio
import time as clock
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp

from bot.logging import get_logger
from scrm.models import Corp, Journey
from scrm.sop import journeys
from scrm.sop.execute import ClientFor
from scrm.sop.journey_batch import Claimed, screen

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
        await screen(corp.id, journey, group, ZoneInfo(corp.timezone or "Asia/Shanghai"))


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
) -> dict[str, int]:
    """Claim (for `budget_s`) whatever falls due within `lookahead`, screen it, and walk each
    customer once it is due. Everything claimed is walked before returning, so one scan runs
    at most `budget_s` + `lookahead`.

    One scanner claims at a time (the caller's lock): customers of one send window must be
    walked together to share one task per owner. Once this one stops claiming it calls
    `done_claiming` (the caller frees the lock), so the next scanner starts claiming ahead
    while this one still walks what it holds — no gap in which nobody looks ahead."""
    counts: dict[str, int] = {}
    held: list[Claimed] = []
    started = clock.monotonic()
    claiming = True
    await journeys.release_stuck(datetime.now(UTC))
    while True:
        now = datetime.now(UTC)
        if claiming and clock.monotonic() - started >= budget_s:
            claiming = False
            if done_claiming is not None:
                await done_claiming()
        if claiming:
            fresh: list[Claimed] = []
            while batch := await journeys.claim_rows(now + lookahead):
                fresh.extend(batch)
            if fresh:
                await _screen_all(fresh)
                held.extend(fresh)
                took = (datetime.now(UTC) - now).total_seconds()
                now = datetime.now(UTC)
                ahead = (min(r.due_at for r in fresh) - now).total_seconds()
                log.info("journey.claimed", customers=len(fresh), s=round(took, 2), ahead_s=ahead)
        if not held:
            if claiming and done_claiming is not None:
                await done_claiming()
            return counts
        due = [r for r in held if r.due_at <= now]
        if due:
            held = [r for r in held if r.due_at > now]
            _add(counts, await journeys.step_runs(due, client_for, now, http, base_url))
            late = (now - min(r.due_at for r in due)).total_seconds()
            took = (datetime.now(UTC) - now).total_seconds()
            log.info("journey.walked", customers=len(due), late_s=round(late, 2), s=round(took, 2))
            continue
        wait = (min(r.due_at for r in held) - now).total_seconds()
        await asyncio.sleep(max(0.0, min(wait, TICK_S)))
