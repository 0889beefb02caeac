"""Quick replies with pictures: what `sendChatMessage` needs is a WeCom media id, so the picture
is fetched from its address, uploaded as temporary media, and the id cached."""

from __future__ import annotations

import hashlib

import aiohttp
from yarl import URL

from scrm.models import QuickReply
from wecom.client import WeComClient
from wecom.client.media import RENEW_BEFORE

MAX_IMAGE = 10 << 20  # WeCom's limit for a temporary image
IMAGE_MAGIC = {b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}
# MediaCache hands out ids with at least a day left; keeping ours a day is always safe.
KEEP_SECONDS = RENEW_BEFORE


class MediaError(Exception):
    """The picture could not be fetched or uploaded; the message can be shown as is."""


def image_kind(data: bytes) -> str | None:
    """'png' or 'jpg' by the file's first bytes (WeCom takes these two), else None."""
    return next((kind for magic, kind in IMAGE_MAGIC.items() if data.startswith(magic)), None)


async def _download(http: aiohttp.ClientSession, url: str) -> bytes:
    # Only ops set these addresses; still, only http(s), a size cap and a short timeout.
    if URL(url).scheme not in ("http", "https"):
        raise MediaError("图片地址必须是 http(s) 地址")
    try:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
            if resp.status != 200:
                raise MediaError(f"图片下载失败（HTTP {resp.status}）")
            data = await resp.content.read(MAX_IMAGE + 1)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise MediaError(f"图片下载失败：{type(exc).__name__}") from exc
    if len(data) > MAX_IMAGE:
        raise MediaError("图片超过 10 MB")
    if image_kind(data) is None:
        raise MediaError("图片地址返回的不是 JPG/PNG 图片")
    return data


async def media_id(client: WeComClient, http: aiohttp.ClientSession, reply: QuickReply) -> str:
    """A live media id for the reply's picture: from the cache, else download + upload."""
    digest = hashlib.sha256(reply.url.encode()).hexdigest()[:16]
    key = f"{client.cache_prefix}:quick_reply:{reply.id}:{digest}"
    cached = await client.redis.get(key)
    if cached is not None:
        return cached.decode() if isinstance(cached, bytes) else str(cached)
    data = await _download(http, reply.url)
    name = f"quick-reply-{reply.id}.{image_kind(data)}"
    found = await client.media.media_id_for("image", name, data)
    await client.redis.set(key, found, ex=KEEP_SECONDS)
    return found
