"""The WeCom callback edge: verify, decrypt, parse, store in the inbox, ack, enqueue."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import Counter

from bot import inbox
from scrm import storable
from scrm.infra import keys, metrics
from scrm.infra.corps import CorpEntry
from scrm.infra.logging import get_logger
from scrm.infra.priority_gate import LINGER_SECONDS
from wecom.crypto import CryptoError, ReceiveIdError, SignatureError
from wecom.xmlparse import XmlError, envelope_encrypt, parse_xml

log = get_logger("bot.webhooks.wecom")
routes = web.RouteTableDef()


MAX_CORP_ID = 64  # Corp.corp_id is a 64-character column

# labels() checks its arguments and takes a lock on every call; the ack path looks each kind's
# counter up once (WeCom has a short list of kinds, and prometheus keeps every child anyway).
_received: dict[str, Counter] = {}


def _count_received(kind: str) -> None:
    counter = _received.get(kind)
    if counter is None:
        counter = _received[kind] = metrics.CALLBACKS_RECEIVED.labels(kind=kind)
    counter.inc()


def _refuse(status: int, reason: str, corp_id: str) -> web.Response:
    metrics.CALLBACKS_REFUSED.labels(reason=reason).inc()
    log.warning("callback.refused", reason=reason, corp_id=corp_id[:64], status=status)
    return web.Response(status=status, text=reason)


def _query(request: web.Request, *names: str) -> list[str] | None:
    values = [request.query.get(n, "") for n in names]
    return values if all(values) else None


async def _corp(request: web.Request) -> tuple[str, CorpEntry | None]:
    corp_id = request.match_info["corp_id"]
    if len(corp_id) > MAX_CORP_ID:  # no corp has one; the column would refuse the lookup
        return corp_id, None
    return corp_id, await request.app[keys.CORPS].get(corp_id)


def _skew_ok(request: web.Request, timestamp: str) -> bool:
    max_skew = request.app[keys.SETTINGS].callback_max_skew_seconds
    if max_skew <= 0:
        return True
    try:
        return abs(time.time() - int(timestamp)) <= max_skew
    except ValueError:
        return False


@routes.get("/wecom/callback/{corp_id}")
async def verify_url(request: web.Request) -> web.Response:
    """URL verification: echo the decrypted echostr as plain text (no quotes, BOM or newline)."""
    corp_id, corp = await _corp(request)
    params = _query(request, "msg_signature", "timestamp", "nonce", "echostr")
    if params is None:
        return _refuse(400, "missing_params", corp_id)
    if corp is None:
        return _refuse(404, "unknown_corp", corp_id)
    signature, timestamp, nonce, echostr = params
    try:
        echo = corp.crypto.verify_and_decrypt(signature, timestamp, nonce, echostr)
    except SignatureError:
        return _refuse(403, "bad_signature", corp_id)
    except ReceiveIdError:
        return _refuse(403, "foreign_receiveid", corp_id)
    except CryptoError:
        return _refuse(400, "bad_ciphertext", corp_id)
    if not _skew_ok(request, timestamp):  # a recorded verification is no good an hour later
        return _refuse(403, "stale_timestamp", corp_id)
    log.info("callback.url_verified", corp_id=corp_id)
    return web.Response(body=echo, content_type="text/plain")


@routes.post("/wecom/callback/{corp_id}")
async def receive(request: web.Request) -> web.Response:
    started = time.perf_counter()
    arrived_at = datetime.now(UTC)  # the welcome's latency starts here (Inbox.arrived_at)
    settings = request.app[keys.SETTINGS]
    corp_id, corp = await _corp(request)
    params = _query(request, "msg_signature", "timestamp", "nonce")
    if params is None:
        return _refuse(400, "missing_params", corp_id)
    if request.content_length is not None and request.content_length > settings.callback_max_body:
        return _refuse(413, "too_large", corp_id)
    if corp is None:
        return _refuse(404, "unknown_corp", corp_id)
    # Read at most one byte past the limit, so a lying or absent Content-Length is caught too.
    body = await request.content.read(settings.callback_max_body + 1)
    if len(body) > settings.callback_max_body:
        return _refuse(413, "too_large", corp_id)
    signature, timestamp, nonce = params
    try:
        encrypt = envelope_encrypt(body)
    except XmlError:
        return _refuse(400, "malformed_envelope", corp_id)
    if not isinstance(encrypt, str) or not encrypt:
        return _refuse(400, "missing_encrypt", corp_id)
    try:
        corp.crypto.verify(signature, timestamp, nonce, encrypt)
    except SignatureError:
        return _refuse(403, "bad_signature", corp_id)
    if not _skew_ok(request, timestamp):
        return _refuse(403, "stale_timestamp", corp_id)
    try:
        plain = corp.crypto.decrypt(encrypt)
    except ReceiveIdError:
        return _refuse(403, "foreign_receiveid", corp_id)
    except CryptoError:
        return _refuse(400, "bad_ciphertext", corp_id)
    try:
        fields = parse_xml(plain)
        payload = plain.decode("utf-8")
    except (XmlError, UnicodeDecodeError):
        return _refuse(400, "malformed_event", corp_id)
    if not storable.is_clean(payload):  # NUL/controls: PostgreSQL cannot store them, refuse
        return _refuse(400, "unstorable_text", corp_id)
    if fields.get("ToUserName") not in (None, "", corp_id):
        return _refuse(403, "foreign_corp", corp_id)

    try:
        stored = await inbox.store(corp_id, fields, payload, arrived_at)
    except Exception as exc:
        # Not stored means not accepted: a non-200 makes WeCom deliver it again.
        log.error("callback.store_failed", corp_id=corp_id, error=type(exc).__name__)
        return _refuse(503, "store_failed", corp_id)
    if stored is None:
        metrics.CALLBACKS_DUPLICATE.inc()
        log.info("callback.duplicate", corp_id=corp_id, kind=inbox.event_kind(fields))
    else:
        row_id, kind, key = stored
        _count_received(kind)
        # The event is durable now; enqueueing after the ack (batched with other requests')
        # keeps Redis off the ack path, and the sweeper covers a process that dies in between.
        welcome = inbox.wants_welcome(fields)
        if welcome:  # lead webhooks wait while it goes through (scrm/infra/priority_gate.py)
            request.app[keys.GATE].hold(LINGER_SECONDS)
        request.app[keys.ENQUEUER].submit(row_id, key, welcome=welcome)
    metrics.ACK_LATENCY.observe(time.perf_counter() - started)
    return web.Response(status=200)
