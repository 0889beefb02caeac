"""Posters and bare QR codes of live codes: PNG poster, PNG/SVG QR, the poster template."""

from __future__ import annotations

import asyncio
import io

from aiohttp import web

from admin.api.auth import require
from admin.api.common import error, ok, parse
from admin.api.livecodes import TAG, _code
from admin.api.openapi import API
from livecode import poster, poster_backgrounds, service
from scrm.infra import keys
from scrm.models import Staff
from scrm.models.livecode import LiveCode


async def _wecom_qr(request: web.Request, url: str) -> bytes:
    """WeCom's own QR image of a native code (fetched once, kept in the poster cache)."""
    key = poster.PosterCache.key("wecom-qr", url)
    cached = poster.CACHE.get(key)
    if cached is None:
        async with request.config_dict[keys.HTTP].get(url) as resp:
            if resp.status != 200:
                raise web.HTTPBadGateway(text=f"WeCom QR image answered {resp.status}")
            cached = await resp.read()
        poster.CACHE.put(key, cached)
    return cached


async def poster_staff_name(code: LiveCode) -> str:
    """The name a single-member code's poster shows ("" for a pool)."""
    pool = [m for m in await service.members_of(code) if not m.backup]
    if len(pool) != 1:
        return ""  # a pool has no single face
    staff = await Staff.get_or_none(corp_id=code.corp_id, userid=pool[0].userid)  # type: ignore[attr-defined]
    return staff.name if staff and staff.name else pool[0].userid


@API.route(
    "GET",
    "/api/v1/livecodes/{id}/poster.png",
    "The code's poster (PNG)",
    tag=TAG,
    media="image/png",
    also=(503,),
)
async def poster_png(request: web.Request) -> web.Response:
    _, code = await _code(request)
    template = poster.PosterTemplate.model_validate(code.poster)
    key = poster.PosterCache.key(code.id, code.updated_at, code.qr_url, template.model_dump_json())
    png = poster.CACHE.get(key)
    if png is None:
        staff = await poster_staff_name(code)
        try:
            if code.strategy == "native":
                qr = await _wecom_qr(request, code.qr_url)
                png = await asyncio.to_thread(
                    poster.render,
                    template,
                    title=code.name,
                    staff_name=staff,
                    qr_png=qr,
                    background=code.poster_background,
                )
            else:
                png = await asyncio.to_thread(
                    poster.render,
                    template,
                    title=code.name,
                    staff_name=staff,
                    qr_payload=code.qr_url,
                    background=code.poster_background,
                )
        except poster.FontMissing as exc:
            return error(503, str(exc))
        poster.CACHE.put(key, png)
    return web.Response(
        body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=60"}
    )


@API.route(
    "GET", "/api/v1/livecodes/{id}/qr.png", "The bare QR code (PNG)", tag=TAG, media="image/png"
)
async def qr_png(request: web.Request) -> web.Response:
    _, code = await _code(request)
    if code.strategy == "native":
        return web.Response(body=await _wecom_qr(request, code.qr_url), content_type="image/png")
    img = poster.qr_image(code.qr_url, 430)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return web.Response(body=buf.getvalue(), content_type="image/png")


@API.route(
    "GET",
    "/api/v1/livecodes/{id}/qr.svg",
    "The bare QR code (SVG; landing codes)",
    tag=TAG,
    media="image/svg+xml",
    also=(409,),
)
async def qr_svg(request: web.Request) -> web.Response:
    _, code = await _code(request)
    if code.strategy == "native":
        return error(409, "a native code's QR is WeCom's image; use qr.png")
    return web.Response(body=poster.qr_svg(code.qr_url), content_type="image/svg+xml")


@API.route(
    "PUT",
    "/api/v1/livecodes/{id}/poster",
    "Set the poster template",
    tag=TAG,
    body=poster.PosterTemplate,
    response=poster.PosterTemplate,
)
async def set_template(request: web.Request) -> web.Response:
    require(request, "ops")
    _, code = await _code(request)
    template = await parse(request, poster.PosterTemplate)
    code.poster = template.model_dump(exclude_none=True)
    await code.save(update_fields=["poster", "updated_at"])
    return ok(template.model_dump())


@API.route(
    "PUT",
    "/api/v1/livecodes/{id}/poster/background",
    "Upload the poster's background (the raw PNG or JPEG as the body, at most 1 MB)",
    tag=TAG,
    statuses={
        403: "needs the ops role",
        404: "no such live code",
        413: "larger than 1 MB",
        415: "not image/png or image/jpeg",
    },
)
async def put_background(request: web.Request) -> web.Response:
    _, code = await _code(request)
    code.poster_background = await poster_backgrounds.checked(request)
    await code.save(update_fields=["poster_background", "updated_at"])
    return ok({"background": True})


@API.route(
    "GET",
    "/api/v1/livecodes/{id}/poster/background",
    "The poster's uploaded background",
    tag=TAG,
    media="image/*",
    statuses={403: "needs the ops role", 404: "no live code, or no background uploaded"},
)
async def get_background(request: web.Request) -> web.Response:
    _, code = await _code(request)
    if not code.poster_background:
        return error(404, "还没有上传背景图")
    return web.Response(
        body=code.poster_background,
        content_type=poster_backgrounds.media_type(code.poster_background),
        headers={"Cache-Control": "private, max-age=60", "X-Content-Type-Options": "nosniff"},
    )


@API.route(
    "DELETE",
    "/api/v1/livecodes/{id}/poster/background",
    "Remove the uploaded background (the colour shows again)",
    tag=TAG,
    statuses={403: "needs the ops role", 404: "no such live code"},
)
async def delete_background(request: web.Request) -> web.Response:
    _, code = await _code(request)
    code.poster_background = None
    await code.save(update_fields=["poster_background", "updated_at"])
    return ok({"background": False})
