"""The one retry policy for jobs: the backoff, the tries, and how every job is given to arq."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Coroutine
from datetime import timedelta
from enum import StrEnum
from typing import Any

import aiohttp
from arq.worker import Function, Retry, func
from redis.exceptions import RedisError

from scrm.infra.logging import get_logger
from wecom.errors import RetryableError

log = get_logger("scrm.infra.retry")

BASE_SECONDS = 10.0  # the first wait (SCRM_INBOX_BACKOFF_SECONDS overrides it)
CAP_SECONDS = 3600.0
# Starts of one arq job. arq counts every start, not only a Retry: a run cut short by a
# shutdown (re-queued at once) or by a killed worker (re-run once its in-progress mark
# lapses) uses one too (decision 0042).
MAX_TRIES = 3

# Failures worth another try: WeCom's own transient errors (after the client's retries),
# Redis, the network and the database connection (DBConnectionError is a ConnectionError).
TRANSIENT: tuple[type[BaseException], ...] = (
    RetryableError,
    RedisError,
    OSError,
    aiohttp.ClientError,
)


def backoff(attempts: int, base: float = BASE_SECONDS) -> timedelta:
    """The wait after the `attempts`-th failed try: `base` doubling per try, at most an hour,
    ±20 % so the failures of one moment do not all come back together."""
    seconds = min(base * 2 ** max(attempts - 1, 0), CAP_SECONDS)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


class Kind(StrEnum):
    """How a job is tried again (decision 0042)."""

    # Its failures are recorded on its rows (attempts, error, when next); the sweeper enqueues
    # them again after `backoff`. The job never raises for a row; arq re-runs it only after a
    # shutdown or a killed worker, and the rows say what is left to do.
    ROWS = "rows"
    # A TRANSIENT failure is retried by arq itself: Retry(defer=backoff(try)) until MAX_TRIES.
    ARQ = "arq"
    # Never re-run, not even after a kill: a person, the next period (crons) or a resume
    # from stored cursors starts it again.
    ONCE = "once"


TRIES = {Kind.ROWS: MAX_TRIES, Kind.ARQ: MAX_TRIES, Kind.ONCE: 1}

JobCoroutine = Callable[..., Coroutine[Any, Any, Any]]


def job(coroutine: JobCoroutine, *, name: str, timeout: float, kind: Kind) -> Function:
    """The arq function for `coroutine` under the policy of its kind."""
    run = _retrying(coroutine, name) if kind is Kind.ARQ else coroutine
    return func(run, name=name, timeout=timeout, max_tries=TRIES[kind])


def _retrying(coroutine: JobCoroutine, name: str) -> JobCoroutine:
    @functools.wraps(coroutine)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await coroutine(ctx, *args, **kwargs)
        except TRANSIENT as exc:  # never CancelledError: arq's own re-run handles that
            tries = int(ctx.get("job_try") or 1)
            if tries >= MAX_TRIES:
                raise
            base = getattr(ctx.get("settings"), "inbox_backoff_seconds", BASE_SECONDS)
            wait = backoff(tries, base)
            log.warning("job.retry", job=name, job_try=tries, in_s=round(wait.total_seconds(), 1),
                        error=f"{type(exc).__name__}: {exc}"[:300])  # fmt: skip
            raise Retry(defer=wait) from exc

    return run
