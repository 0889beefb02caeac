"""The aiohttp application factory: routes, middlewares and every resource's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import structlog
from aiohttp import web
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from tortoise.exceptions import ValidationError as TortoiseValidationError

from admin import app as admin_app
from bot import health, inbox
from bot.db import close_db, init_db
from bot.webhooks import leads as leads_webhook
from bot.webhooks import radar as radar_webhook
from bot.webhooks import wecom as wecom_webhook
from livecode import landing
from scrm.infra import background, keys, priority_gate
from scrm.infra.clients import WeComClients
from scrm.infra.corps import CorpRegistry, bootstrap_corp
from scrm.infra.enqueue import BatchEnqueuer
from scrm.infra.logging import get_logger
from scrm.infra.settings import Settings

log = get_logger("bot.app")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_arq(settings: Settings) -> ArqRedis:
    """A lazily connecting pool: the app starts, and keeps acking, while Redis is down."""
    pool = ConnectionPool.from_url(
        settings.redis_url, socket_connect_timeout=0.5, socket_timeout=2.0
    )
    return ArqRedis(pool)


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16]
    structlog.contextvars.bind_contextvars(request_id=request_id)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers["X-Request-Id"] = request_id
        raise
    except TortoiseValidationError as exc:
        # A value longer than its column (in a filter or a write) is bad input, not a crash:
        # the ORM checks lengths before any SQL runs. Request models bound what they know.
        log.info("request.too_long_for_column", path=request.path, reason=str(exc)[:200])
        body = {"error": "invalid input", "details": [{"msg": str(exc)[:200]}]}
        return web.json_response(body, status=422, headers={"X-Request-Id": request_id})
    except Exception:
        # Bad input must never reach here; if something does, say so without leaking details.
        log.exception("request.unhandled", path=request.path)
        return web.json_response({"error": "internal error", "request_id": request_id}, status=500)
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    response.headers["X-Request-Id"] = request_id
    return response


def create_app(settings: Settings, *, run_sweeper: bool = True) -> web.Application:
    # The body limit is enforced per route (64 KiB on the callback); this bounds everything else.
    gate = priority_gate.PriorityGate(settings.webhook_yield_seconds)
    app = web.Application(
        middlewares=[request_context, priority_gate.middleware(gate)],
        client_max_size=1024 * 1024,
    )
    app[keys.SETTINGS] = settings
    app[keys.GATE] = gate

    async def database(app: web.Application) -> AsyncIterator[None]:
        await init_db(settings)
        await bootstrap_corp(settings)
        app[keys.CORPS] = CorpRegistry()
        yield
        await close_db()

    async def redis(app: web.Application) -> AsyncIterator[None]:
        app[keys.ARQ] = make_arq(settings)
        app[keys.ENQUEUER] = BatchEnqueuer(app[keys.ARQ])
        app[keys.ENQUEUER].start()
        yield
        await app[keys.ENQUEUER].stop()
        await app[keys.ARQ].aclose()

    async def http(app: web.Application) -> AsyncIterator[None]:
        app[keys.HTTP] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app[keys.CLIENTS] = WeComClients(settings, app[keys.HTTP], app[keys.ARQ])
        yield
        await app[keys.HTTP].close()

    async def sweeper(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(
            inbox.run_sweeper(
                app[keys.ARQ], settings.inbox_sweep_seconds, settings.inbox_backoff_seconds
            )
        )
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def operations(app: web.Application) -> AsyncIterator[None]:
        yield
        await background.shutdown()  # before Redis and the database close under them

    app.cleanup_ctx.extend(
        [database, redis, http, priority_gate.lifetime(gate, lambda: app[keys.ARQ]), operations]
    )
    if run_sweeper:
        app.cleanup_ctx.append(sweeper)
    app.add_routes(wecom_webhook.routes)
    app.add_routes(leads_webhook.routes)
    app.add_routes(radar_webhook.routes)
    app[keys.DRAINING] = asyncio.Event()  # set by the runner on SIGTERM (web_drain_seconds)
    app.add_routes(health.routes)
    app.add_routes(landing.routes)
    # The admin's pages, sidebar and API are a sub-app with their own five middlewares: a
    # WeCom callback or a lead push pays for none of them.
    admin_app.mount(app, admin_app.create_admin(settings.redis_url))
    return app
