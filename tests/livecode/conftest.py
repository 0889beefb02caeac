"""A bot app and a sandbox linked both ways (callbacks in, API calls out), staff seeded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from bot.app import create_app
from bot.welcome_worker import run_burst
from bot.worker import build_worker
from scrm.infra import keys
from scrm.infra.settings import Settings
from scrm.models import Corp, Staff
from tests.conftest import CORP_ID
from tests.wecom.sandbox_fixtures import STAFF, Sandbox, sandbox_config, start_sandbox
from wecom.client import WeComClient

ADMIN_TOKEN = "test-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass
class Linked:
    bot: TestClient
    sandbox: Sandbox
    client: WeComClient
    settings: Settings

    async def api(self, method: str, path: str, json: Any = None, status: int = 200) -> Any:
        resp = await self.bot.request(method, path, json=json, headers=AUTH)
        body = await resp.json()
        assert resp.status == status, body
        return body

    async def drain(self) -> None:
        """Run what the edge queued: the welcome lane first (each welcome queues its add's
        inbox job), then the main queue, as the two workers of a worker process would."""
        await self.bot.app[keys.ENQUEUER].stop()
        self.bot.app[keys.ENQUEUER].start()
        await run_burst(self.settings)
        worker = build_worker(self.settings, burst=True, sweeper=False)
        try:
            await worker.async_run()
        finally:
            await worker.close()


@pytest.fixture
async def linked(aiohttp_client, db: Settings) -> AsyncIterator[Linked]:  # type: ignore[no-untyped-def]
    settings = db.model_copy(update={"admin_token": SecretStr(ADMIN_TOKEN)})
    bot: TestClient = await aiohttp_client(create_app(settings, run_sweeper=False))
    callback = str(bot.make_url(f"/wecom/callback/{CORP_ID}"))
    server, http = await start_sandbox(sandbox_config(callback))
    sandbox = Sandbox(server, http)
    # The sandbox is an internal host like an intranet picture server: the app may fetch from
    # it (quick-reply pictures, journey webhooks) only because it is on the allow-list.
    allowed = f"{server.host}:{server.port}"
    settings.fetch_allow_hosts = bot.app[keys.SETTINGS].fetch_allow_hosts = allowed
    corp = await Corp.get(corp_id=CORP_ID)
    corp.api_base = sandbox.url
    await corp.save()
    for userid, name in STAFF:
        await Staff.create(corp_id=corp.id, userid=userid, name=name)
    client = WeComClient(
        CORP_ID, corp.secret, session=http, redis=bot.app[keys.ARQ], api_base=sandbox.url
    )
    yield Linked(bot, sandbox, client, settings)
    await http.close()
    await server.close()
