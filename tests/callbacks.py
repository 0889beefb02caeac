"""Helpers that build WeCom event XML and sign it the way WeCom does."""

from __future__ import annotations

import itertools
import time

from wecom.crypto import WeComCrypto

_nonce = itertools.count(100000)


def event_xml(corp_id: str, create_time: int | None = None, **fields: object) -> bytes:
    """An event body; `fields` in WeCom's names, e.g. Event=..., ChangeType=..., UserID=..."""
    parts = [
        f"<ToUserName><![CDATA[{corp_id}]]></ToUserName>",
        "<FromUserName><![CDATA[sys]]></FromUserName>",
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
        "<MsgType><![CDATA[event]]></MsgType>",
    ]
    for name, value in fields.items():
        if isinstance(value, list):
            items = "".join(f"<Item><![CDATA[{v}]]></Item>" for v in value)
            parts.append(f"<{name}>{items}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    return ("<xml>" + "".join(parts) + "</xml>").encode()


def add_contact_xml(
    corp_id: str, userid: str, external_userid: str, create_time: int, **extra: str
) -> bytes:
    return event_xml(
        corp_id,
        create_time,
        Event="change_external_contact",
        ChangeType="add_external_contact",
        UserID=userid,
        ExternalUserID=external_userid,
        **extra,
    )


def signed(
    crypto: WeComCrypto, plain: bytes, timestamp: int | None = None
) -> tuple[dict[str, str], bytes]:
    """(query params, body) for POST /wecom/callback/{corp_id}."""
    ts, nonce = str(timestamp or int(time.time())), str(next(_nonce))
    signature, body = crypto.envelope(plain, ts, nonce)
    return {"msg_signature": signature, "timestamp": ts, "nonce": nonce}, body
