"""The transport every WeCom API call goes through: token, rate limit, retries, typed errors."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp
import structlog
from pydantic import BaseModel
from redis.asyncio import Redis

from wecom import errors
from wecom.client.cache import SharedValueCache
from wecom.client.models.common import Request, Response
from wecom.client.ratelimit import TokenBucket

# structlog directly (wecom may not import scrm); setup_logging routes it like every logger.
log = structlog.stdlib.get_logger("wecom.client")

R = TypeVar("R", bound=Response)
FormFactory = Callable[[], aiohttp.FormData]


class CallStats:
    """Counters a caller (tests, benchmarks, /metrics) can read; cheap, per client."""

    def __init__(self) -> None:
        self.calls = 0
        self.token_refreshes = 0
        self.retries = 0
        self.rate_waits = 0.0


class WeComCore:
    """One corp + one app secret. Safe to share between all coroutines of a process."""

    def __init__(
        self,
        corp_id: str,
        secret: str,
        *,
        session: aiohttp.ClientSession,
        redis: Redis,
        api_base: str = "https://qyapi.weixin.qq.com",
        agent_id: int = 0,
        rate_per_minute: int = 6000,
        timeout: float = 10.0,
        max_retries: int = 3,
        retry_base: float = 0.5,
        retry_cap: float = 8.0,
    ) -> None:
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.api_base = api_base.rstrip("/")
        self.session = session
        self.redis = redis
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.max_retries = max_retries
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.stats = CallStats()
        # Tokens are per (corp, app secret); the secret itself never goes into Redis or logs.
        app = hashlib.sha256(f"{corp_id}\0{secret}".encode()).hexdigest()[:16]
        self._secret = secret
        self.cache_prefix = f"wecom:{corp_id}:{app}"
        self.token = SharedValueCache(redis, f"{self.cache_prefix}:token", self._fetch_token)
        self.bucket = TokenBucket(redis, f"wecom:rl:{corp_id}", rate_per_minute)

    async def _fetch_token(self) -> tuple[str, int]:
        data = await self.request(
            "GET",
            "gettoken",
            params={"corpid": self.corp_id, "corpsecret": self._secret},
            auth=False,
        )
        self.stats.token_refreshes += 1
        log.info("wecom.token_refreshed", corp=self.corp_id)
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    def _backoff(self, attempt: int) -> float:
        # Full jitter: spreads the retries of a burst instead of re-synchronising them.
        return random.uniform(0, min(self.retry_cap, self.retry_base * 2**attempt))

    async def request(
        self,
        method: str,
        api: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        form: FormFactory | None = None,
        auth: bool = True,
    ) -> dict[str, Any]:
        """Call `/cgi-bin/{api}`; returns the JSON answer or raises a WeComError subclass."""
        attempt = 0
        refreshed = False
        while True:
            self.stats.rate_waits += await self.bucket.acquire(api)
            token = await self.token.get() if auth else ""
            err: errors.WeComError
            try:
                data = await self._send(method, api, params, body, form, token)
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                err = errors.NetworkError(f"{type(exc).__name__}: {exc}", api)
            else:
                code = int(data.get("errcode", 0))
                if code == 0:
                    return data
                if auth and code in errors.TOKEN_ERRCODES and not refreshed:
                    # WeCom dropped the token early (or it expired under us): refresh once.
                    refreshed = True
                    await self.token.invalidate(token)
                    continue
                err = errors.error_for(code, str(data.get("errmsg", "")), api)
            if isinstance(err, errors.RetryableError) and attempt < self.max_retries:
                attempt += 1
                self.stats.retries += 1
                log.warning("wecom.retry", api=api, errcode=err.errcode, attempt=attempt)
                await asyncio.sleep(self._backoff(attempt))
                continue
            raise err

    async def _send(
        self,
        method: str,
        api: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        form: FormFactory | None,
        token: str,
    ) -> dict[str, Any]:
        query = dict(params or {})
        if token:
            query["access_token"] = token
        kwargs: dict[str, Any] = {"params": query, "timeout": self.timeout}
        if form is not None:
            kwargs["data"] = form()  # a FormData is single-use, so each attempt builds its own
        elif body is not None:
            # ensure_ascii=False: WeCom counts content limits in UTF-8 bytes, not \u escapes.
            kwargs["data"] = json.dumps(body, ensure_ascii=False).encode()
            kwargs["headers"] = {"Content-Type": "application/json; charset=utf-8"}
        self.stats.calls += 1
        async with self.session.request(method, f"{self.api_base}/cgi-bin/{api}", **kwargs) as r:
            if r.status != 200:
                raise aiohttp.ClientResponseError(
                    r.request_info, r.history, status=r.status, message=r.reason or ""
                )
            data = await r.json(content_type=None)
        if not isinstance(data, dict):
            raise ValueError("answer is not a JSON object")
        return data

    async def post(self, api: str, req: Request, resp: type[R]) -> R:
        return resp.model_validate(await self.request("POST", api, body=req.body()))

    async def get(self, api: str, resp: type[R], **params: Any) -> R:
        return resp.model_validate(await self.request("GET", api, params=params))


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(exclude_none=True, by_alias=True)
