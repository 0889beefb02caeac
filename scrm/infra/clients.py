"""One WeCom API client per corp, built on first use and shared by every job."""

from __future__ import annotations

import aiohttp
from redis.asyncio import Redis

from scrm.infra.settings import Settings
from scrm.models import Corp
from wecom.client import WeComClient


class WeComClients:
    def __init__(self, settings: Settings, session: aiohttp.ClientSession, redis: Redis) -> None:
        self._settings = settings
        self._session = session
        self._redis = redis
        self._clients: dict[str, WeComClient] = {}

    def for_corp(self, corp: Corp) -> WeComClient:
        client = self._clients.get(corp.corp_id)
        if client is None:
            client = WeComClient(
                corp.corp_id,
                corp.secret,
                session=self._session,
                redis=self._redis,
                api_base=corp.api_base,
                agent_id=corp.agent_id,
                rate_per_minute=self._settings.wecom_rate_per_minute,
                timeout=self._settings.wecom_timeout_seconds,
                max_retries=self._settings.wecom_max_retries,
            )
            self._clients[corp.corp_id] = client
        return client

    def forget(self, corp_id: str) -> None:
        self._clients.pop(corp_id, None)
