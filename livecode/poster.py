"""Live-code QR posters: pillow, zxing-cpp and a CJK font, cached until code or template change."""

from __future__ import annotations

import hashlib
import io
import os
from collections import OrderedDict
from functools import lru_cache

import qrcode
import qrcode.image.svg
from PIL import Image, ImageDraw, ImageFont
from pydantic import Field, field_validator

from livecode import poster_fast, qr
from scrm.infra.schemas import Strict

# Installed by ./scripts/*.sh (Debian fonts-wqy-microhei); SCRM_POSTER_FONT overrides.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


DEFAULT_AVATAR_Y = 300  # where the fast path (poster_fast) draws the avatar


class PosterTemplate(Strict):
    width: int = Field(default=750, ge=200, le=2000)
    height: int = Field(default=1334, ge=200, le=3000)
    background: str = Field(default="#FFF4E5", pattern=r"^#[0-9A-Fa-f]{6}$")
    # Was a path on the server the renderer opened: any image file an ops login named. Still
    # accepted (stored templates carry it) but always emptied; backgrounds are uploaded now.
    background_image: str | None = None
    accent: str = Field(default="#E8552B", pattern=r"^#[0-9A-Fa-f]{6}$")
    title: str = Field(default="", max_length=40)
    subtitle: str = Field(default="长按识别二维码，添加专属顾问", max_length=60)
    qr_x: int | None = None  # None: centred
    qr_y: int = 560
    qr_size: int = Field(default=420, ge=100, le=1500)
    show_staff: bool = True
    # The designer's blocks, in poster pixels: the avatar's and the name's centres (None: the
    # classic layout — avatar centred at y 300, the name under it).
    avatar_x: int | None = Field(default=None, ge=0, le=2000)
    avatar_y: int = Field(default=DEFAULT_AVATAR_Y, ge=0, le=3000)
    name_x: int | None = Field(default=None, ge=0, le=2000)
    name_y: int | None = Field(default=None, ge=0, le=3000)

    @field_validator("background_image")
    @classmethod
    def _no_server_paths(cls, value: str | None) -> None:
        return None


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def font_path() -> str:
    candidates = [os.environ.get("SCRM_POSTER_FONT", ""), *FONT_CANDIDATES]
    for path in candidates:
        if path and os.path.exists(path):
            return path
    raise FontMissing(
        "no CJK font for posters: install Debian's fonts-wqy-microhei (./scripts/demo does) "
        "or set SCRM_POSTER_FONT to a .ttf/.ttc file"
    )


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(), size)


def qr_image(payload: str, size: int) -> Image.Image:
    return qr.image(payload, size).convert("RGB")


def qr_svg(payload: str) -> bytes:
    img = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue()


def _centred(
    draw: ImageDraw.ImageDraw, width: int, y: int, text: str, size: int, fill: str
) -> None:
    font = _font(size)
    length = draw.textlength(text, font=font)
    draw.text(((width - length) / 2, y), text, font=font, fill=fill)


def _centred_at(
    draw: ImageDraw.ImageDraw, cx: int, y: int, text: str, size: int, fill: str
) -> None:
    _centred(draw, 2 * cx, y, text, size, fill)


def _default_places(template: PosterTemplate) -> bool:
    """The avatar and name where the fast path draws them (no block dragged elsewhere)."""
    return (
        template.avatar_x is None
        and template.avatar_y == DEFAULT_AVATAR_Y
        and template.name_x is None
        and template.name_y is None
    )


def render(
    template: PosterTemplate,
    *,
    title: str,
    staff_name: str = "",
    qr_payload: str | None = None,
    qr_png: bytes | None = None,
    background: bytes | None = None,
) -> bytes:
    """A PNG poster: the QR either from a payload (our landing URL) or WeCom's own QR image;
    `background` is the uploaded image (stretched to the poster's size)."""
    if background is None and _default_places(template):  # the palette path (poster_fast)
        layout = poster_fast.Layout(
            template.width, template.height, template.background.upper(),
            template.accent.upper(), template.subtitle, template.qr_x, template.qr_y,
            template.qr_size, font_path(),
        )  # fmt: skip
        return poster_fast.render(
            layout,
            title=template.title or title,
            staff_name=staff_name,
            show_staff=template.show_staff,
            qr_payload=qr_payload,
            qr_png=qr_png,
        )
    if background:
        poster = Image.open(io.BytesIO(background)).convert("RGB")
        poster = poster.resize((template.width, template.height))
    else:
        poster = Image.new("RGB", (template.width, template.height), template.background)
    draw = ImageDraw.Draw(poster)
    w = template.width
    draw.rectangle((0, 0, w, 140), fill=template.accent)
    _centred(draw, w, 40, template.title or title, 56, "#FFFFFF")
    if template.show_staff and staff_name:
        cx = template.avatar_x if template.avatar_x is not None else w // 2
        cy, r = template.avatar_y, 70
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=template.accent)
        _centred_at(draw, cx, cy - 40, staff_name[:1], 72, "#FFFFFF")  # avatar: first character
        name_y = template.name_y if template.name_y is not None else cy + r + 20 + 20
        nx = template.name_x if template.name_x is not None else cx
        _centred_at(draw, nx, name_y - 20, staff_name, 40, "#333333")
    if qr_png is not None:
        symbol = (
            Image.open(io.BytesIO(qr_png))
            .convert("RGB")
            .resize((template.qr_size, template.qr_size), Image.Resampling.NEAREST)
        )
    elif qr_payload is not None:
        symbol = qr_image(qr_payload, template.qr_size)
    else:
        raise ValueError("a poster needs qr_payload or qr_png")
    x = template.qr_x if template.qr_x is not None else (w - template.qr_size) // 2
    poster.paste(symbol, (x, template.qr_y))
    _centred(draw, w, template.qr_y + template.qr_size + 40, template.subtitle, 34, "#555555")
    buf = io.BytesIO()
    # compress_level 3: a third of the default's encode time for ~10 % more bytes.
    poster.save(buf, format="PNG", compress_level=3)
    return buf.getvalue()


class PosterCache:
    """In-process LRU keyed by everything that shapes the poster, so edits invalidate it."""

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self.hits = self.misses = 0

    @staticmethod
    def key(*parts: object) -> str:
        return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()

    def get(self, key: str) -> bytes | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
        return found

    def put(self, key: str, png: bytes) -> None:
        self._items[key] = png
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)


CACHE = PosterCache()
