"""Operational endpoints: /healthz (database and Redis) and /metrics (Prometheus text)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from tortoise import connections

from bot import scrape
from scrm.infra import keys
from scrm.infra.logging import get_logger

log = get_logger("bot.health")
routes = web.RouteTableDef()


async def _db_ok() -> str:
    try:
        await asyncio.wait_for(connections.get("default").execute_query("SELECT 1"), 2)
    except Exception as exc:
        return f"down: {type(exc).__name__}"
    return "ok"


async def _redis_ok(request: web.Request) -> str:
    try:
        await asyncio.wait_for(request.app[keys.ARQ].ping(), 2)
    except Exception as exc:
        return f"down: {type(exc).__name__}"
    return "ok"


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    draining = request.app.get(keys.DRAINING)
    if draining is not None and draining.is_set():
        return web.json_response({"status": "draining"}, status=503)
    db, redis = await asyncio.gather(_db_ok(), _redis_ok(request))
    # Without the DB nothing can be accepted: 503. Without Redis callbacks are still stored
    # and acked (the sweeper catches up), so the service is degraded but up.
    status = 200 if db == "ok" else 503
    body = {"status": "ok" if status == 200 and redis == "ok" else "degraded", "db": db}
    body["redis"] = redis
    return web.json_response(body, status=status)


@routes.get("/metrics")
async def metrics_view(request: web.Request) -> web.Response:
    await scrape.refresh(request.app[keys.ARQ])
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})
