"""The arq worker: settings class, start-up/shutdown of its resources, job registry."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
from arq import func
from arq.connections import RedisSettings
from arq.worker import Worker

from bot import inbox
from bot.clients import WeComClients
from bot.db import close_db, init_db
from bot.jobs.inbox import process_inbox
from bot.jobs.names import PROCESS_INBOX
from bot.settings import Settings
from handlers import build_dispatcher


def build_worker(settings: Settings, *, burst: bool = False, sweeper: bool = True) -> Worker:
    """An arq Worker for `settings`; `burst=True` drains the queue and returns (tests)."""

    async def startup(ctx: dict[str, Any]) -> None:
        await init_db(settings)
        ctx["settings"] = settings
        ctx["http"] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        ctx["clients"] = WeComClients(settings, ctx["http"], ctx["redis"])
        ctx["dispatcher"] = build_dispatcher()
        if sweeper:
            ctx["sweeper"] = asyncio.create_task(
                inbox.run_sweeper(ctx["redis"], settings.inbox_sweep_seconds)
            )

    async def shutdown(ctx: dict[str, Any]) -> None:
        ctx["shut_down"] = True
        task = ctx.get("sweeper")
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if "http" in ctx:
            await ctx["http"].close()
        await close_db()

    return Worker(
        functions=[func(process_inbox, name=PROCESS_INBOX, timeout=60, max_tries=3)],
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        max_jobs=settings.worker_max_jobs,
        burst=burst,
        handle_signals=False,
        keep_result=3600,
        poll_delay=0.05,
    )
