"""素材库 media: files, videos and mini-program covers uploaded to WeCom once, their 3-day
media_id renewed a day before it runs out (the file is kept for that)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from scrm.infra.logging import get_logger
from scrm.models import Corp, Material
from scrm.models.base import corp_pk
from wecom import errors
from wecom.client import WeComClient
from wecom.client.api.misc import MediaType

log = get_logger("scrm.services.materials_media")
LIFETIME = timedelta(days=3)
RENEW_BEFORE = timedelta(days=1)
# WeCom's media/upload limits per type; a mini-program cover is an image.
LIMITS: dict[str, int] = {"file": 20 << 20, "video": 10 << 20, "miniprogram": 2 << 20}
TYPES: dict[str, MediaType] = {"file": "file", "video": "video", "miniprogram": "image"}


async def upload(
    client: WeComClient,
    material: Material,
    filename: str,
    data: bytes,
    now: datetime | None = None,
) -> None:
    """Upload and remember: media_id, when it expires, and the file for renewals."""
    now = now or datetime.now(UTC)
    got = await client.upload_media(TYPES[material.kind], filename, data)
    created = datetime.fromtimestamp(got.created_at, UTC) if got.created_at else now
    material.media_id = got.media_id
    material.media_expires_at = created + LIFETIME
    material.blob = data
    material.extra = {**material.extra, "filename": filename, "size": len(data)}
    await material.save()


async def renew_due(
    client_for: Callable[[Corp], WeComClient], now: datetime | None = None
) -> dict[str, int]:
    """Re-upload every kept file whose media_id expires within a day."""
    now = now or datetime.now(UTC)
    due = await Material.filter(
        media_expires_at__lt=now + RENEW_BEFORE, blob__isnull=False
    ).order_by("id")
    corps: dict[int, Corp] = {}
    done = failed = 0
    for m in due:
        pk = corp_pk(m)
        corp = corps.get(pk) or await Corp.get(id=pk)
        corps[pk] = corp
        assert m.blob is not None
        try:
            await upload(client_for(corp), m, str(m.extra.get("filename", "file")), m.blob, now)
            done += 1
        except errors.WeComError as exc:  # the next pass tries again; the old id may still live
            log.warning("material.renew_failed", material_id=m.id, errcode=exc.errcode)
            failed += 1
    return {"renewed": done, "failed": failed}
