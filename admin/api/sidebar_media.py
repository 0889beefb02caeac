"""Quick replies with pictures: what `sendChatMessage` needs is a WeCom media id, so the picture
is fetched from its address, uploaded as temporary media, and the id cached."""

from __future__ import annotations

import hashlib

from scrm.infra import safe_fetch
from scrm.infra.logging import get_logger
from scrm.models import QuickReply
from wecom.client import WeComClient
from wecom.client.media import RENEW_BEFORE

MAX_IMAGE = 10 << 20  # WeCom's limit for a temporary image
IMAGE_MAGIC = {b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}
# MediaCache hands out ids with at least a day left; keeping ours a day is always safe.
KEEP_SECONDS = RENEW_BEFORE
DOWNLOAD_FAILED = "图片下载失败：请确认地址可公开访问，且是 10 MB 以内的 JPG/PNG 图片"
log = get_logger(__name__)


class MediaError(Exception):
    """The picture could not be fetched or uploaded; the message can be shown as is."""


def image_kind(data: bytes) -> str | None:
    """'png' or 'jpg' by the file's first bytes (WeCom takes these two), else None."""
    return next((kind for magic, kind in IMAGE_MAGIC.items() if data.startswith(magic)), None)


async def _download(url: str, allow_hosts: str) -> bytes:
    # Staff trigger the fetch of an address ops typed: public addresses only
    # (scrm/infra/safe_fetch.py), and one text for every failure so the answer cannot map
    # our network.
    try:
        got = await safe_fetch.fetch(url, allow_hosts=allow_hosts, max_bytes=MAX_IMAGE)
    except safe_fetch.FetchError as exc:
        log.info("quick_reply_image_refused", reason=exc.reason)
        raise MediaError(DOWNLOAD_FAILED) from exc
    if got.status != 200 or image_kind(got.body) is None:
        log.info("quick_reply_image_refused", status=got.status)
        raise MediaError(DOWNLOAD_FAILED)
    return got.body


async def media_id(client: WeComClient, reply: QuickReply, allow_hosts: str = "") -> str:
    """A live media id for the reply's picture: from the cache, else download + upload."""
    digest = hashlib.sha256(reply.url.encode()).hexdigest()[:16]
    key = f"{client.cache_prefix}:quick_reply:{reply.id}:{digest}"
    cached = await client.redis.get(key)
    if cached is not None:
        return cached.decode() if isinstance(cached, bytes) else str(cached)
    data = await _download(reply.url, allow_hosts)
    name = f"quick-reply-{reply.id}.{image_kind(data)}"
    found = await client.media.media_id_for("image", name, data)
    await client.redis.set(key, found, ex=KEEP_SECONDS)
    return found
