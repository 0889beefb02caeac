"""The welcome worker: an arq worker on the welcome queue only, beside the main worker.

Its job slots, poll loop and queue are its own, so lead drains, journey scans, SOP crons and
syncs on the main worker never hold a welcome back (docs/decisions/0024). It has no crons and
no sweeper; a welcome job it never runs is covered by the inbox job, which sends the welcome
itself when none was recorded.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from arq import func
from arq.connections import RedisSettings
from arq.worker import Worker

from bot.clients import WeComClients
from bot.db import close_db, init_db
from bot.jobs.names import WELCOME_FIRST, WELCOME_QUEUE, WELCOME_TIMEOUT
from bot.jobs.welcome import welcome_first
from bot.settings import Settings

# Polled more often than the main queue (50 ms); every poll is a Redis call, even when idle.
POLL_SECONDS = 0.02


def build_welcome_worker(settings: Settings, *, burst: bool = False) -> Worker:
    async def startup(ctx: dict[str, Any]) -> None:
        await init_db(settings)
        ctx["settings"] = settings
        ctx["http"] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        ctx["clients"] = WeComClients(settings, ctx["http"], ctx["redis"])

    async def shutdown(ctx: dict[str, Any]) -> None:
        ctx["shut_down"] = True
        if "http" in ctx:
            await ctx["http"].close()
        await close_db()

    return Worker(
        # One try: a failed welcome is retried by the inbox job, inside the same 20 s.
        functions=[func(welcome_first, name=WELCOME_FIRST, timeout=WELCOME_TIMEOUT, max_tries=1)],
        queue_name=WELCOME_QUEUE,
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        max_jobs=settings.worker_max_jobs,
        burst=burst,
        handle_signals=False,
        keep_result=3600,
        poll_delay=POLL_SECONDS,
    )
