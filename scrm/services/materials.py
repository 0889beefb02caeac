"""The 素材库: validating content, turning materials into WeCom attachments (雷达 links
minted per send), and counting uses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F

from scrm.models import Material
from scrm.services import radar

KINDS = ("text", "image", "link", "miniprogram", "file", "video", "poster")
KIND_LABELS = {
    "text": "文本",
    "image": "图片",
    "link": "链接",
    "miniprogram": "小程序",
    "file": "文件",
    "video": "视频",
    "poster": "海报",
}


class MaterialError(ValueError):
    """A material that cannot go into a message, with the reason in Chinese."""


def media_alive(material: Material, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    expires = material.media_expires_at
    if not material.media_id or expires is None:
        return False
    return (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) > now


def attachment(
    material: Material, *, base_url: str, claim: radar.Claim | None = None
) -> dict[str, Any] | None:
    """The add_msg_template attachment for `material` (None for text: it joins the text)."""
    kind = material.kind
    if kind == "text":
        return None
    if kind in ("image", "poster"):
        if not material.url:
            raise MaterialError(f"素材《{material.title}》没有图片地址")
        return {"msgtype": "image", "image": {"pic_url": material.url}}
    if kind == "link":
        url = material.url
        if material.tracked and claim is not None:  # the claim names the sender and send
            url = radar.link(base_url, replace(claim, material_id=material.id))
        body: dict[str, Any] = {"title": material.title[:128], "url": url}
        if material.content:
            body["desc"] = material.content[:512]
        if material.cover_url:
            body["picurl"] = material.cover_url
        return {"msgtype": "link", "link": body}
    if not media_alive(material):
        raise MaterialError(f"素材《{material.title}》的媒体文件已过期，请重新上传")
    if kind == "miniprogram":
        extra = material.extra
        return {
            "msgtype": "miniprogram",
            "miniprogram": {
                "title": material.title[:64],
                "pic_media_id": material.media_id,
                "appid": str(extra.get("appid", "")),
                "page": str(extra.get("page", "")),
            },
        }
    return {"msgtype": kind, kind: {"media_id": material.media_id}}


async def load(corp_id: int, ids: list[int]) -> list[Material]:
    """The materials in the order given; a missing or foreign id is an error."""
    rows = {m.id: m for m in await Material.filter(corp_id=corp_id, id__in=ids)}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise MaterialError(f"素材不存在：{missing}")
    return [rows[i] for i in ids]


def compose(
    text: str, materials: list[Material], *, base_url: str, claim: radar.Claim | None
) -> tuple[str, list[dict[str, Any]]]:
    """Text (the message's own, then text materials) and up to 9 attachments."""
    parts = [text] if text else []
    parts += [m.content for m in materials if m.kind == "text"]
    attachments = [
        a for m in materials if (a := attachment(m, base_url=base_url, claim=claim)) is not None
    ]
    if len(attachments) > 9:
        raise MaterialError("一条消息最多 9 个附件")
    return "\n\n".join(p for p in parts if p), attachments


async def count_use(ids: list[int]) -> None:
    if ids:
        await Material.filter(id__in=ids).update(uses=F("uses") + 1)
