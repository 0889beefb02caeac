"""The welcome worker: takes adds off the welcome lane in batches and sends their welcomes.

Its process, loop and queue are its own, so lead drains, journey scans, SOP crons and syncs
never hold a welcome back (decisions 0024 and 0033). It has no crons and no sweeper: an add it
never takes (lost with Redis, or taken by a worker that died) stays pending in the inbox, the
sweeper re-offers it to the main queue, and that inbox job sends the welcome itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.exceptions import RedisError

from bot import welcome_child
from bot.db import close_db, init_db
from bot.jobs.welcome import welcome_first
from scrm.infra import welcome_lane
from scrm.infra.clients import WeComClients
from scrm.infra.job_names import WELCOME_TIMEOUT
from scrm.infra.logging import get_logger
from scrm.infra.settings import Settings

log = get_logger("bot.welcome_worker")

WAIT_SECONDS = 1.0  # BLPOP's wait: how often an idle worker looks at its stop flag
RETRY_SECONDS = 1.0  # after a Redis error


class WelcomeWorker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tasks: set[asyncio.Task[None]] = set()
        self.ctx: dict[str, Any] = {}
        self.db_open = False

    async def start(self) -> None:
        await init_db(self.settings)
        self.db_open = True
        redis: ArqRedis = await create_pool(RedisSettings.from_dsn(self.settings.redis_url))
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self.ctx = {
            "settings": self.settings,
            "redis": redis,
            "http": http,
            "clients": WeComClients(self.settings, http, redis),
        }

    async def run(self, stop: asyncio.Event) -> None:
        """Take and send until `stop`; Redis errors pause the loop, never end it."""
        welcome_child.mark_ready()
        while not stop.is_set():
            # Take no more than can start at once: the rest stay for another worker process.
            free = self.settings.worker_max_jobs - len(self.tasks)
            if free <= 0:
                await asyncio.wait(set(self.tasks), return_when=asyncio.FIRST_COMPLETED)
                continue
            try:
                items = await welcome_lane.take(self.ctx["redis"], free, WAIT_SECONDS)
            except (RedisError, OSError) as exc:
                log.warning("welcome_lane.take_failed", error=type(exc).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RETRY_SECONDS)
                continue
            for item in items:
                task = asyncio.create_task(self._one(*item))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)

    async def run_burst(self) -> int:
        """Send every welcome in the lane now, then return how many (tests and the demo)."""
        done = 0
        while items := await welcome_lane.take(self.ctx["redis"], 100, 0):
            await asyncio.gather(*(self._one(*item) for item in items))
            done += len(items)
        return done

    async def _one(self, inbox_id: int, enqueued: int) -> None:
        started = welcome_lane.now_ms()
        outcome = "error"
        try:
            outcome = await asyncio.wait_for(welcome_first(self.ctx, inbox_id), WELCOME_TIMEOUT)
        except Exception:
            # One try: the inbox job that follows retries the welcome inside the same 20 s.
            log.exception("welcome.failed", inbox_id=inbox_id)
        with contextlib.suppress(RedisError, OSError):
            await welcome_lane.record(self.ctx["redis"], inbox_id, enqueued, started, outcome)

    async def close(self, grace: float) -> None:
        """Let welcomes in flight finish (up to `grace` seconds), then release everything."""
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=grace)
        for task in list(self.tasks):
            task.cancel()
        if "http" in self.ctx:
            await self.ctx["http"].close()
        if "redis" in self.ctx:
            await self.ctx["redis"].aclose()
        if self.db_open:
            await close_db()


async def run_burst(settings: Settings) -> int:
    """Start a welcome worker, send every welcome in the lane, stop; how many were taken."""
    worker = WelcomeWorker(settings)
    try:
        await worker.start()
        return await worker.run_burst()
    finally:
        await worker.close(settings.worker_shutdown_grace_seconds)
