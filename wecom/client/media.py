"""Temporary media ids cached per content and re-uploaded before their 3-day expiry."""

from __future__ import annotations

import hashlib
import time

from wecom.client.api.misc import MediaType, MiscAPI

MEDIA_LIFETIME = 3 * 24 * 3600
# Re-upload a day early: a welcome must never go out with a media_id that dies mid-send,
# and the send path (20 s window) must never wait for an upload.
RENEW_BEFORE = 24 * 3600


class MediaCache:
    """`media_id_for(content)` returns a live media_id, uploading only when needed."""

    def __init__(self, client: MiscAPI) -> None:
        self.client = client

    def _key(self, kind: str, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        return f"{self.client.cache_prefix}:media:{kind}:{digest}"

    async def media_id_for(self, kind: MediaType, filename: str, content: bytes) -> str:
        key = self._key(kind, content)
        cached = await self.client.redis.get(key)
        if cached is not None:
            return cached.decode() if isinstance(cached, bytes) else str(cached)
        uploaded = await self.client.upload_media(kind, filename, content)
        created = uploaded.created_at or int(time.time())
        ttl = created + MEDIA_LIFETIME - RENEW_BEFORE - int(time.time())
        await self.client.redis.set(key, uploaded.media_id, ex=max(ttl, 60))
        return uploaded.media_id

    async def forget(self, kind: MediaType, content: bytes) -> None:
        """Drop a media_id WeCom refused (40007), so the next call uploads again."""
        await self.client.redis.delete(self._key(kind, content))
