"""The sandbox application: WeCom's API under /cgi-bin, the control API under /sandbox."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import aiohttp
import structlog
from aiohttp import web

# Importing the API modules registers their handlers in wire.ROUTES.
from wecom.sandbox import (  # noqa: F401
    api_contacts,
    api_departments,
    api_groupmsg,
    api_groups,
    api_messages,
    api_misc,
    api_tags,
    api_transfer,
    control,
    control_bulk,
    control_groupmsg,
    control_groups,
    control_transfer,
    finance,
    images,
    oauth,
    page,
    people,
)
from wecom.sandbox.callbacks import Deliverer
from wecom.sandbox.config import SandboxConfig
from wecom.sandbox.gate import WORLD, cgi
from wecom.sandbox.state import World

# structlog directly (wecom may not import scrm); setup_logging routes it like every logger.
log = structlog.stdlib.get_logger("wecom.sandbox")
SANDBOX_STATE = WORLD


def create_sandbox_app(config: SandboxConfig) -> web.Application:
    app = web.Application(client_max_size=32 << 20)
    app[WORLD] = World(config)
    app[oauth.CODES] = oauth.OAuthCodes()
    app[images.IMAGES] = images.ImageStore()

    async def deliverer(app: web.Application) -> AsyncIterator[None]:
        session = aiohttp.ClientSession()
        app[control.DELIVERER] = Deliverer(app[WORLD], session)
        yield
        await app[control.DELIVERER].close()
        await session.close()

    async def persistence(app: web.Application) -> AsyncIterator[None]:
        path = config.state_file
        if path and os.path.exists(path):
            app[WORLD].load(path)
            log.info("sandbox.state_loaded", path=path)
        yield
        if path:
            app[WORLD].save(path)

    app.cleanup_ctx.append(persistence)
    app.cleanup_ctx.append(deliverer)
    app.router.add_route("*", "/cgi-bin/{api:.+}", cgi)
    app.add_routes(control.routes)
    app.add_routes(control_groups.routes)
    app.add_routes(control_bulk.routes)
    app.add_routes(control_transfer.routes)
    app.add_routes(control_groupmsg.routes)
    app.add_routes(finance.routes)
    app.add_routes(page.routes)
    app.add_routes(oauth.routes)
    app.add_routes(images.routes)
    app.add_routes(people.routes)
    return app


async def run_sandbox(config: SandboxConfig, host: str, port: int) -> None:
    """Serve until cancelled."""
    runner = web.AppRunner(create_sandbox_app(config), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("sandbox.listening", url=f"http://{host}:{port}/sandbox/")
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
