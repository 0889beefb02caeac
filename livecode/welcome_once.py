"""One welcome per add, whichever job gets there first: the welcome job or the full handler.

An add that carries a WelcomeCode is run twice on purpose (docs/decisions/0024): a small job on
the welcome queue sends the welcome at once, and the usual inbox job does everything else.
Either may start first, or alone (Redis lost the welcome job, the sweeper re-offered the row,
an operator replayed it). Both come here: the first claims the add in Redis and sends; the
other waits for the recorded outcome and uses it, so the welcome goes out once and the add's
statistics carry the real outcome and latency, not WeCom's 41051 for the second try.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict

from redis.asyncio import Redis
from redis.exceptions import RedisError

from livecode.welcome_flow import WELCOME_DEADLINE_SECONDS, WelcomeOutcome
from scrm.infra import metrics

SENDING = b"sending"
# A claim outlives any send (the client's retries stop well inside WeCom's 20 s); after it,
# a waiting job sends itself (the holder died) and WeCom's single-use code still guards.
CLAIM_SECONDS = 25
KEEP_SECONDS = 3 * 86400  # operator replays within days still find the outcome


def outcome_key(corp_id: int, welcome_code: str) -> str:
    return f"scrm:welcome:{corp_id}:{welcome_code}"


async def welcome_once(
    redis: Redis | None,
    corp_id: int,
    welcome_code: str,
    send: Callable[[], Awaitable[WelcomeOutcome]],
) -> WelcomeOutcome:
    """The add's welcome outcome: sent by this call, or recorded by the job that sent it."""
    if redis is None or not welcome_code:
        return await _observed(send)
    key = outcome_key(corp_id, welcome_code)
    try:
        claimed = await redis.set(key, SENDING, nx=True, ex=CLAIM_SECONDS)
    except (RedisError, OSError):
        return await _observed(send)  # no Redis: WeCom's single-use code still guards
    if not claimed:
        recorded = await _wait_recorded(redis, key)
        if recorded is not None:
            return recorded
    outcome = await _observed(send)
    # Unrecorded (Redis failed), the other job, if any, waits out the claim and then sends:
    # WeCom answers 41051 and it records `spent`.
    with contextlib.suppress(RedisError, OSError):
        await redis.set(key, json.dumps(asdict(outcome)), ex=KEEP_SECONDS)
    return outcome


async def _observed(send: Callable[[], Awaitable[WelcomeOutcome]]) -> WelcomeOutcome:
    outcome = await send()
    metrics.WELCOME_SENT.labels(outcome=outcome.outcome).inc()
    if outcome.outcome == "sent":
        metrics.WELCOME_LATENCY.observe(outcome.seconds)
        metrics.WELCOME_SINCE_CREATE.observe(outcome.since_create)
    return outcome


async def _wait_recorded(redis: Redis, key: str) -> WelcomeOutcome | None:
    """The outcome another job records; None when its claim lapsed without one."""
    deadline = time.monotonic() + WELCOME_DEADLINE_SECONDS + 2
    while time.monotonic() < deadline:
        try:
            raw = await redis.get(key)
        except (RedisError, OSError):
            return None
        if raw is None:
            return None  # the claim expired: its holder died before recording
        if raw != SENDING:
            return WelcomeOutcome(**json.loads(raw))
        await asyncio.sleep(0.05)
    return None
