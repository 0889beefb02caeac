"""Poster backgrounds and block positions: an upload is decoded before it is kept (type, size,
sides bounded), served back, drawn behind the QR (which still decodes), and removable;
dragged positions move the avatar; staff may not upload."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from tests.leads.test_access_and_work import token
from tests.livecode.conftest import AUTH, Linked
from tests.livecode.test_api import SPEC
from tests.livecode.test_posters import decode, get_png


def image(
    fmt: str, size: tuple[int, int] = (300, 500), colour: tuple[int, int, int] = (10, 120, 200)
) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format=fmt)
    return buf.getvalue()


async def put(
    linked: Linked, path: str, body: bytes, kind: str, headers: dict[str, str] = AUTH
) -> int:
    resp = await linked.bot.put(path, data=body, headers={**headers, "Content-Type": kind})
    return resp.status


async def test_background_bounded_served_drawn_and_removed(linked: Linked) -> None:
    code: dict[str, Any] = await linked.api("POST", "/api/v1/livecodes", SPEC, status=201)
    path = f"/api/v1/livecodes/{code['id']}/poster/background"
    assert (await linked.bot.get(path, headers=AUTH)).status == 404  # none yet
    assert await put(linked, path, b"GIF89a....", "image/gif") == 415
    assert await put(linked, path, image("PNG"), "image/jpeg") == 422  # says JPEG, is PNG
    assert await put(linked, path, b"\x89PNG\r\n\x1a\nnot really", "image/png") == 422
    assert await put(linked, path, image("PNG", (4001, 10)), "image/png") == 422
    assert await put(linked, path, b"\xff" * 1_000_001, "image/jpeg") == 413
    staff = await token(linked, "staff", "zhangsan")
    assert await put(linked, path, image("PNG"), "image/png", staff) == 403

    assert await put(linked, path, image("JPEG"), "image/jpeg") == 200
    served = await linked.bot.get(path, headers=AUTH)
    assert served.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(await served.read())).size == (300, 500)
    png = await get_png(linked, f"/api/v1/livecodes/{code['id']}/poster.png")
    drawn = Image.open(io.BytesIO(png)).convert("RGB")
    assert all(
        abs(a - b) <= 3 for a, b in zip(drawn.getpixel((10, 1300)), (10, 120, 200), strict=True)
    )
    assert decode(png) == [code["qr_url"]]  # the QR still reads over a picture

    assert (await linked.bot.delete(path, headers=AUTH)).status == 200
    png = await get_png(linked, f"/api/v1/livecodes/{code['id']}/poster.png")
    assert Image.open(io.BytesIO(png)).convert("RGB").getpixel((10, 1300)) == (0xFF, 0xF4, 0xE5)


async def test_positions_move_the_blocks(linked: Linked) -> None:
    spec = {**SPEC, "members": [{"userid": "zhangsan"}]}
    code: dict[str, Any] = await linked.api("POST", "/api/v1/livecodes", spec, status=201)
    accent = (0xE8, 0x55, 0x2B)
    before = Image.open(
        io.BytesIO(await get_png(linked, f"/api/v1/livecodes/{code['id']}/poster.png"))
    )
    assert before.convert("RGB").getpixel((320, 300)) == accent  # the classic layout: centred
    template = {"avatar_x": 150, "avatar_y": 900, "qr_x": 300, "qr_y": 200, "qr_size": 400}
    await linked.api("PUT", f"/api/v1/livecodes/{code['id']}/poster", template)
    png = await get_png(linked, f"/api/v1/livecodes/{code['id']}/poster.png")
    after = Image.open(io.BytesIO(png)).convert("RGB")
    assert after.getpixel((95, 900)) == accent and after.getpixel((320, 300)) != accent
    assert decode(png) == [code["qr_url"]]
    bad = {"avatar_x": -5}
    resp = await linked.bot.put(f"/api/v1/livecodes/{code['id']}/poster", json=bad, headers=AUTH)
    assert resp.status == 422
