"""A poster's uploaded background: PNG or JPEG, at most 1 MB and 4000 px a side, checked by
decoding it (the declared type alone proves nothing) before it is stored."""

from __future__ import annotations

import io
import json

from aiohttp import web
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 1_000_000  # under the app's 1 MiB request limit
MAX_SIDE = 4000
FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}


class TooLarge(web.HTTPClientError):
    """413 with our own JSON body (aiohttp's HTTPRequestEntityTooLarge writes its own text)."""

    status_code = 413


def _refuse(cls: type[web.HTTPException], message: str) -> web.HTTPException:
    return cls(
        text=json.dumps({"error": message}, ensure_ascii=False), content_type="application/json"
    )


async def checked(request: web.Request) -> bytes:
    """The body as an image we are willing to keep, or a 413/415/422 saying why not."""
    kind = request.content_type
    if kind not in FORMATS:
        raise _refuse(web.HTTPUnsupportedMediaType, "背景图只支持 PNG 或 JPEG")
    if (request.content_length or 0) > MAX_BYTES:
        raise _refuse(TooLarge, "背景图不能超过 1 MB")
    body = await request.read()  # the app's client_max_size caps what is read
    if len(body) > MAX_BYTES:
        raise _refuse(TooLarge, "背景图不能超过 1 MB")
    try:
        with Image.open(io.BytesIO(body)) as img:
            if img.format != FORMATS[kind]:
                raise _refuse(
                    web.HTTPUnprocessableEntity, "文件内容与类型不符：请上传 PNG 或 JPEG"
                )
            if max(img.size) > MAX_SIDE:
                raise _refuse(web.HTTPUnprocessableEntity, f"背景图边长不能超过 {MAX_SIDE} 像素")
            img.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ):
        raise _refuse(web.HTTPUnprocessableEntity, "无法读取这张图片") from None
    return body


def media_type(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
