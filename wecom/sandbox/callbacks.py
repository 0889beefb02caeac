"""Encrypted, signed callbacks to the bot, retried like WeCom when it does not answer 200."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any
from xml.sax.saxutils import escape

import aiohttp

from wecom.crypto import WeComCrypto
from wecom.sandbox.state import CorpState, World


def event_xml(corp_id: str, fields: dict[str, Any]) -> bytes:
    parts = [
        f"<ToUserName><![CDATA[{corp_id}]]></ToUserName>",
        "<FromUserName><![CDATA[sys]]></FromUserName>",
        f"<CreateTime>{int(time.time())}</CreateTime>",
        "<MsgType><![CDATA[event]]></MsgType>",
    ]
    for name, value in fields.items():
        if value is None or value == "":
            continue
        if isinstance(value, list):
            items = "".join(f"<Item><![CDATA[{escape(str(v))}]]></Item>" for v in value)
            parts.append(f"<{name}>{items}</{name}>")
        elif isinstance(value, int):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    return ("<xml>" + "".join(parts) + "</xml>").encode()


class Deliverer:
    """POSTs callbacks; the first attempt is awaited, retries run in the background."""

    def __init__(self, world: World, session: aiohttp.ClientSession) -> None:
        self.world = world
        self.session = session
        self.background: set[asyncio.Task[None]] = set()

    async def deliver(self, corp: CorpState, fields: dict[str, Any]) -> dict[str, Any]:
        conf = corp.conf
        if not conf.callback_url:
            return {"status": None, "attempts": 0, "elapsed_ms": 0.0, "note": "no callback_url"}
        plain = event_xml(conf.corp_id, fields)
        crypto = WeComCrypto(conf.token, conf.aes_key, conf.corp_id)
        ts, nonce = str(int(time.time())), secrets.token_hex(5)
        signature, body = crypto.envelope(plain, ts, nonce)
        url = f"{conf.callback_url}?msg_signature={signature}&timestamp={ts}&nonce={nonce}"
        event = f"{fields.get('Event')}.{fields.get('ChangeType', '')}"
        status, elapsed = await self._attempt(url, body)
        result = {"status": status, "attempts": 1, "elapsed_ms": elapsed}
        self.world.record("callback", conf.corp_id, event=event, status=status, attempt=1)
        if status != 200 and self.world.config.callback_retries > 0:
            task = asyncio.create_task(self._retry(conf.corp_id, url, body, event))
            self.background.add(task)
            task.add_done_callback(self.background.discard)
        return result

    async def _attempt(self, url: str, body: bytes) -> tuple[int | None, float]:
        started = time.perf_counter()
        timeout = aiohttp.ClientTimeout(total=self.world.config.callback_timeout)
        try:
            async with self.session.post(
                url, data=body, headers={"Content-Type": "text/xml"}, timeout=timeout
            ) as resp:
                await resp.read()
                status: int | None = resp.status
        except (aiohttp.ClientError, TimeoutError):
            status = None  # no answer within WeCom's 5 s counts as a failure
        return status, round((time.perf_counter() - started) * 1000, 2)

    async def _retry(self, corp_id: str, url: str, body: bytes, event: str) -> None:
        # WeCom re-sends the very same request (same signature, nonce and body).
        for attempt in range(2, self.world.config.callback_retries + 2):
            await asyncio.sleep(self.world.config.callback_retry_delay)
            status, _ = await self._attempt(url, body)
            self.world.record("callback", corp_id, event=event, status=status, attempt=attempt)
            if status == 200:
                return

    async def close(self) -> None:
        for task in list(self.background):
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
