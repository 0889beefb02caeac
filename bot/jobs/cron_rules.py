"""Cron entries that fire once per period across N workers: arq's unique ids plus a kept result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arq import cron
from arq.cron import CronJob

from scrm.infra import retry

# Every worker enqueues each cron under the id `name:<run time ms>` and arq refuses an id whose
# job OR result it still holds. arq's cron() keeps no result by default, so once the job ran
# and its key was deleted, a sibling that enqueues late (a slow event loop, a clock a little
# behind) ran the same period a second time. Keeping the result this long closes that window;
# the cost is one small key per run (about 2 × 300 keys for the every-second scanners).
CRON_RESULT_KEEP_SECONDS = 300


def cluster_cron(
    coroutine: Callable[..., Any], *, name: str, timeout: float, **when: Any
) -> CronJob:
    """An arq cron that runs once per period however many workers schedule it."""
    return cron(
        coroutine,
        name=name,
        timeout=timeout,
        unique=True,
        keep_result=CRON_RESULT_KEEP_SECONDS,
        max_tries=retry.TRIES[retry.Kind.ONCE],  # the next period is a cron's retry
        **when,
    )
