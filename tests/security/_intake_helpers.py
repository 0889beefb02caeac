"""Shared pieces of the intake security tests: signed pushes, a drain, the CLI in a subprocess."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from typing import Any

from bot.jobs.leads import drain_lead_events
from scrm.infra.settings import Settings
from scrm.models import Corp, LeadSource
from tests.livecode.conftest import Linked

SECRET = "intake-secret-123"


async def form_source(linked: Linked, key: str = "f1") -> dict[str, Any]:
    body = {"platform": "form", "key": key, "secret": SECRET, "channel": "官网"}
    return dict(await linked.api("POST", "/api/v1/lead-sources", body, status=201))


async def db_source(key: str = "f1") -> LeadSource:
    corp = await Corp.get()
    return await LeadSource.create(
        corp_id=corp.id, platform="form", key=key, secret=SECRET, channel="官网"
    )


def form_raw(body: dict[str, Any] | str) -> bytes:
    return (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)).encode()


def form_headers(raw: bytes, request_id: str) -> dict[str, str]:
    sig = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return {"X-Signature": sig, "X-Request-Id": request_id}


def douyin_headers(raw: bytes, msg_id: str) -> dict[str, str]:
    return {
        "X-Douyin-Signature": hashlib.sha1(SECRET.encode() + raw).hexdigest(),
        "Msg-Id": msg_id,
    }


async def push_form(linked: Linked, body: dict[str, Any] | str, request_id: str) -> Any:
    raw = form_raw(body)
    resp = await linked.bot.post(
        "/webhooks/form?key=f1", data=raw, headers=form_headers(raw, request_id)
    )
    return resp.status, await resp.json()


async def drain(linked: Linked, settings: Settings | None = None) -> dict[str, int]:
    """One drain job as the worker runs it (the worker's settings decide the tries)."""
    from scrm.infra import keys

    ctx: dict[str, Any] = {
        "redis": linked.bot.app[keys.ARQ],
        "settings": settings or linked.settings,
    }
    return await drain_lead_events(ctx)


def cli(settings: Settings, *args: str) -> str:
    """`scrm-bot …` in a child process against the test database; its stdout."""
    env = {
        **os.environ,
        "SCRM_DATABASE_URL": settings.database_url,
        "SCRM_REDIS_URL": settings.redis_url,
        "SCRM_SECRET_KEY": settings.secret_key.get_secret_value(),
        "SCRM_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
