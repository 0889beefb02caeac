"""The worker's own small HTTP port: /healthz and /metrics, for probes and Prometheus."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot import health
from bot.app import make_arq
from bot.db import close_db, init_db
from scrm.infra import keys
from scrm.infra.logging import get_logger
from scrm.infra.settings import Settings

log = get_logger("bot.worker_health")


def create_worker_health_app(settings: Settings) -> web.Application:
    """The same two routes `serve` has, answered from the worker process: its counters
    (jobs, welcome latency) exist only here, so a scrape of the web processes misses them."""
    app = web.Application()

    async def resources(app: web.Application) -> AsyncIterator[None]:
        # Its own hold on the database and Redis: the supervised arq worker comes and goes
        # (a Redis outage restarts it), the probe must keep answering through that.
        await init_db(settings)
        app[keys.ARQ] = make_arq(settings)
        yield
        await app[keys.ARQ].aclose()
        await close_db()

    app.cleanup_ctx.append(resources)
    app.add_routes(health.routes)
    return app


async def start_worker_health(settings: Settings, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(create_worker_health_app(settings), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("worker.health_started", url=f"http://{host}:{port}")
    return runner
