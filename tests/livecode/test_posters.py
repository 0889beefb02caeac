"""Posters: size, mode, a QR that decodes back to the code, caching, templates, SVG."""

from __future__ import annotations

import io
from typing import Any

import zxingcpp
from PIL import Image

from livecode import poster
from tests.livecode.conftest import AUTH, Linked
from tests.livecode.test_api import SPEC


def decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


async def get_png(linked: Linked, path: str) -> bytes:
    resp = await linked.bot.get(path, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "image/png"
    return await resp.read()


async def test_landing_code_poster_decodes_to_its_landing_url(linked: Linked) -> None:
    code: dict[str, Any] = await linked.api("POST", "/api/v1/livecodes", SPEC, status=201)
    png = await get_png(linked, f"/api/v1/livecodes/{code['id']}/poster.png")
    img = Image.open(io.BytesIO(png))
    assert img.size == (750, 1334) and img.mode == "P"  # the palette path (poster_fast)
    assert decode(png) == [code["qr_url"]]
    hits = poster.CACHE.hits
    assert await get_png(linked, f"/api/v1/livecodes/{code['id']}/poster.png") == png
    assert poster.CACHE.hits == hits + 1
    # A new template changes the poster (and its cache key).
    await linked.api(
        "PUT",
        f"/api/v1/livecodes/{code['id']}/poster",
        {"width": 600, "height": 1000, "qr_y": 400, "qr_size": 300, "title": "新春"},
    )
    again = await get_png(linked, f"/api/v1/livecodes/{code['id']}/poster.png")
    assert Image.open(io.BytesIO(again)).size == (600, 1000) and decode(again) == [code["qr_url"]]
    svg = await linked.bot.get(f"/api/v1/livecodes/{code['id']}/qr.svg", headers=AUTH)
    assert svg.content_type == "image/svg+xml" and b"<svg" in await svg.read()
    assert decode(await get_png(linked, f"/api/v1/livecodes/{code['id']}/qr.png")) == [
        code["qr_url"]
    ]


async def test_native_poster_embeds_wecoms_qr(linked: Linked) -> None:
    spec = {**SPEC, "strategy": "native", "members": [{"userid": "zhangsan"}]}
    code = await linked.api("POST", "/api/v1/livecodes", spec, status=201)
    png = await get_png(linked, f"/api/v1/livecodes/{code['id']}/poster.png")
    (text,) = decode(png)
    assert text.endswith(f"/sandbox/scan?config_id={code['config_id']}")  # WeCom's own QR
    svg = await linked.bot.get(f"/api/v1/livecodes/{code['id']}/qr.svg", headers=AUTH)
    assert svg.status == 409


async def test_bad_template_is_refused(linked: Linked) -> None:
    code = await linked.api("POST", "/api/v1/livecodes", SPEC, status=201)
    body = await linked.api(
        "PUT", f"/api/v1/livecodes/{code['id']}/poster", {"background": "red"}, status=422
    )
    assert body["details"][0]["loc"] == "background"
