"""`POST /webhooks/{platform}`: lead pushes from 抖音, 小红书, 快手 and web forms.

Order as at the WeCom edge: size, source, signature on the raw bytes, message id, store (the raw
body, once per platform message id), answer, then a job does the lead work."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from aiohttp import web

from bot.group_insert import per_loop
from scrm import storable, vault
from scrm.infra import keys
from scrm.infra.cache import TtlCache
from scrm.infra.enqueue import kick_drain
from scrm.infra.logging import get_logger
from scrm.models import LeadSource
from scrm.models.base import corp_pk
from scrm.services.bulk import Table
from scrm.services.lead_platforms import PLATFORMS, Platform, Push, PushError

log = get_logger("bot.webhooks.leads")
routes = web.RouteTableDef()
MAX_BODY = 64 * 1024
MAX_KEY = 64  # LeadSource.key


def _answer(http_status: int, **body: object) -> web.Response:
    return web.json_response(body, status=http_status)


LEAD_EVENTS = Table(
    "lead_event",
    (
        "corp_id",
        "source_id",
        "platform",
        "message_id",
        "digest",
        "body",
        "status",
        "attempts",
        "error",
        "created_at",
        "updated_at",
    ),
    ("platform", "message_id"),
    any_conflict=True,  # (source_id, digest) too: a replay under a new message id
)
# Two groups in flight: a push waits for one commit, not for the one before it as well.
_events = per_loop(LEAD_EVENTS, in_flight=2)
# Each push needs its source's secret (decrypted on load): sources are kept 30 s, unknown
# keys 5 s, so a flood of bad keys cannot become a flood of queries.
_sources: TtlCache[tuple[str, str], LeadSource | None] = TtlCache(30.0, miss_ttl=5.0)


async def _source(platform: str, key: str) -> LeadSource | None:
    return await _sources.get_or_load(
        (platform, key),
        lambda: LeadSource.get_or_none(platform=platform, key=key, active=True),
    )


def _signed_push(platform: Platform, secret: str, request: web.Request, raw: bytes) -> Push:
    """The signature is checked on the raw bytes before anything parses them: unsigned junk is
    a 401 whatever its shape. Only a platform handshake (douyin's verify_webhook) is unsigned."""
    try:
        platform.verify(secret, request.headers, raw)
    except PushError as unsigned:
        try:
            push = platform.identify(request.headers, raw)
        except PushError:
            raise unsigned from None
        if push.reply is None:
            raise
        return push
    return platform.identify(request.headers, raw)


@routes.post("/webhooks/{platform}")
async def receive(request: web.Request) -> web.Response:
    name = request.match_info["platform"]
    platform = PLATFORMS.get(name)
    if platform is None:
        return _answer(404, error=f"unknown platform {name!r}; use one of {sorted(PLATFORMS)}")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        return _answer(413, error=f"body over {MAX_BODY} bytes")
    key: str = request.query.get("key") or request.headers.get("X-Form-Id") or ""
    if name == "douyin" and not key:
        try:
            key = str(json.loads(raw).get("client_key", ""))
        except (ValueError, AttributeError, RecursionError):
            return _answer(400, error="body is not JSON")
    # Keys are 64-character columns: a longer one names no source (and must not reach a query).
    source = await _source(name, key) if len(key) <= MAX_KEY else None
    if source is None:
        log.warning("leads.unknown_source", platform=name, key=key[:64])
        return _answer(404, error="unknown source: pass ?key= as configured for this source")
    try:
        push = _signed_push(platform, source.secret, request, raw)
    except PushError as exc:
        log.warning("leads.refused", platform=name, status=exc.status, reason=str(exc))
        return _answer(exc.status, error=str(exc))
    if push.reply is not None:
        return web.json_response(push.reply)
    now = datetime.now(UTC)
    event_id = await _events().insert(
        [
            corp_pk(source),
            source.id,
            name,
            push.message_id[:128],
            # The signed bytes' digest: the same body again under a fresh, unsigned Msg-Id or
            # X-Request-Id is a replay, not a new push.
            hashlib.sha256(raw).hexdigest(),
            # Encrypted (a push holds phones); cleaned, so nothing unstorable reaches a column.
            vault.current().encrypt(storable.clean(raw.decode("utf-8", errors="replace"))),
            "pending",
            0,
            "",
            now,
            now,
        ]
    )
    if event_id is None:
        return _answer(200, status="duplicate")  # a platform retry: already stored
    await kick_drain(request.app[keys.ARQ])
    return _answer(200, status="accepted")
