"""`/sandbox/finance/...`: the chat archive (会话内容存档) as the finance SDK serves it.

Real WeCom: `GetChatData` returns `{seq, msgid, publickey_ver, encrypt_random_key,
encrypt_chat_msg}` items; `encrypt_random_key` is RSA-PKCS#1 v1.5 with the public key the admin
entered in the console under `publickey_ver`, and the SDK's `DecryptData(random_key, msg)`
yields the message JSON. The sandbox does the RSA half exactly so, and replaces only the
SDK's private symmetric step by `seal`/`open_sealed` (AES-256-GCM under SHA-256 of the random
key): that is the one place where the sandbox stands in for what `DecryptData` does.
"""

from __future__ import annotations

import base64
import json
import secrets
import weakref
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from wecom.archive_seal import seal
from wecom.sandbox.control import BadControl, _body, _corp
from wecom.sandbox.gate import WORLD
from wecom.sandbox.state import CorpState, World, now

routes = web.RouteTableDef()


@dataclass
class _Archive:
    # corp → publickey_ver → (key, when it was entered)
    keys: dict[str, dict[int, tuple[rsa.RSAPublicKey, float]]] = field(default_factory=dict)
    served: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)


# Archive state lives beside the world (not in its pickled state: keys are re-entered).
_STATE: weakref.WeakKeyDictionary[World, _Archive] = weakref.WeakKeyDictionary()


def _state(world: World) -> _Archive:
    return _STATE.setdefault(world, _Archive())


@routes.post("/sandbox/finance/public_key")
async def public_key(request: web.Request) -> web.Response:
    """What the admin does in the console: enter a public key under a new version."""
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    ver = body.get("publickey_ver")
    if not isinstance(ver, int) or ver < 1:
        raise BadControl("publickey_ver must be a positive integer")
    try:
        key = serialization.load_pem_public_key(str(body.get("public_key", "")).encode())
    except ValueError as exc:
        raise BadControl("public_key must be a PEM RSA public key") from exc
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
        raise BadControl("public_key must be an RSA key of at least 2048 bits")
    _state(world).keys.setdefault(corp.conf.corp_id, {})[ver] = (key, now())
    return web.json_response({"publickey_ver": ver})


def _message(corp: CorpState, m: dict[str, Any]) -> dict[str, Any]:
    """An injected message as the archive's decrypted JSON (a `text` message)."""
    to = m.get("to")
    tolist = list(to) if isinstance(to, list) else ([to] if to else [])
    roomid = m.get("chat_id") or ""
    group = corp.groups.get(roomid)
    if roomid and not tolist and group is not None:
        tolist = [u for u in group.members if u != m["from"]]
    return {
        "msgid": f"sbx{m['seq']:010d}_{int(m['at'] * 1000)}_external",
        "action": "send",
        "from": m["from"],
        "tolist": tolist,
        "roomid": roomid,
        "msgtime": int(m["at"] * 1000),
        "msgtype": "text",
        "text": {"content": m.get("text", "")},
    }


def _chatdata(archive: _Archive, corp: CorpState, m: dict[str, Any]) -> dict[str, Any]:
    """Sealed with the key version current when the message was sent (the first one for
    messages older than every key), and served identically afterwards."""
    pin = (corp.conf.corp_id, m["seq"])
    if pin not in archive.served:
        keys = archive.keys[corp.conf.corp_id]
        ver = max((v for v, (_, at) in keys.items() if at <= m["at"]), default=min(keys))
        random_key = secrets.token_hex(16).encode()
        message = _message(corp, m)
        archive.served[pin] = {
            "seq": m["seq"],
            "msgid": message["msgid"],
            "publickey_ver": ver,
            "encrypt_random_key": base64.b64encode(
                keys[ver][0].encrypt(random_key, padding.PKCS1v15())
            ).decode(),
            "encrypt_chat_msg": seal(random_key, json.dumps(message, ensure_ascii=False).encode()),
        }
    return archive.served[pin]


@routes.post("/sandbox/finance/chatdata")
async def chatdata(request: web.Request) -> web.Response:
    """GetChatData(seq, limit): messages after `seq`, oldest first, at most `limit` (≤ 1000)."""
    world, body = request.app[WORLD], await _body(request)
    corp = _corp(world, body)
    if body.get("secret") != corp.conf.secret:
        return web.json_response({"errcode": 40001, "errmsg": "invalid secret"})
    seq, limit = body.get("seq", 0), body.get("limit", 100)
    if not isinstance(seq, int) or seq < 0 or not isinstance(limit, int) or not 0 < limit <= 1000:
        return web.json_response({"errcode": 10000, "errmsg": "seq >= 0, limit 1..1000"})
    archive = _state(world)
    if not archive.keys.get(corp.conf.corp_id):
        return web.json_response({"errcode": 10004, "errmsg": "no archive public key entered"})
    mine = [m for m in world.chat_messages if m["corp_id"] == corp.conf.corp_id and m["seq"] > seq]
    mine.sort(key=lambda m: m["seq"])
    items = [_chatdata(archive, corp, m) for m in mine[:limit]]
    return web.json_response({"errcode": 0, "errmsg": "ok", "chatdata": items})
