"""QR posters for live codes: qrcode + pillow, a CJK font, cached until code or template change."""

from __future__ import annotations

import hashlib
import io
import os
from collections import OrderedDict
from functools import lru_cache

import qrcode
import qrcode.image.svg
from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel, ConfigDict, Field

from livecode import poster_fast

# Installed by ./scripts/*.sh (Debian fonts-wqy-microhei); SCRM_POSTER_FONT overrides.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


class PosterTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    width: int = Field(default=750, ge=200, le=2000)
    height: int = Field(default=1334, ge=200, le=3000)
    background: str = Field(default="#FFF4E5", pattern=r"^#[0-9A-Fa-f]{6}$")
    background_image: str | None = None  # a file on the server
    accent: str = Field(default="#E8552B", pattern=r"^#[0-9A-Fa-f]{6}$")
    title: str = Field(default="", max_length=40)
    subtitle: str = Field(default="长按识别二维码，添加专属顾问", max_length=60)
    qr_x: int | None = None  # None: centred
    qr_y: int = 560
    qr_size: int = Field(default=420, ge=100, le=1500)
    show_staff: bool = True


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
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(payload)
    img = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    return img.resize((size, size), Image.Resampling.NEAREST)


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


def render(
    template: PosterTemplate,
    *,
    title: str,
    staff_name: str = "",
    qr_payload: str | None = None,
    qr_png: bytes | None = None,
) -> bytes:
    """A PNG poster: the QR either from a payload (our landing URL) or WeCom's own QR image."""
    if not template.background_image:  # plain background: the palette path (poster_fast)
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
    if template.background_image:
        poster = Image.open(template.background_image).convert("RGB")
        poster = poster.resize((template.width, template.height))
    else:
        poster = Image.new("RGB", (template.width, template.height), template.background)
    draw = ImageDraw.Draw(poster)
    w = template.width
    draw.rectangle((0, 0, w, 140), fill=template.accent)
    _centred(draw, w, 40, template.title or title, 56, "#FFFFFF")
    if template.show_staff and staff_name:
        cy, r = 300, 70
        draw.ellipse((w / 2 - r, cy - r, w / 2 + r, cy + r), fill=template.accent)
        _centred(draw, w, cy - 40, staff_name[:1], 72, "#FFFFFF")  # avatar: the first character
        _centred(draw, w, cy + r + 20, staff_name, 40, "#333333")
    if qr_png is not None:
        qr = (
            Image.open(io.BytesIO(qr_png))
            .convert("RGB")
            .resize((template.qr_size, template.qr_size), Image.Resampling.NEAREST)
        )
    elif qr_payload is not None:
        qr = qr_image(qr_payload, template.qr_size)
    else:
        raise ValueError("a poster needs qr_payload or qr_png")
    x = template.qr_x if template.qr_x is not None else (w - template.qr_size) // 2
    poster.paste(qr, (x, template.qr_y))
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
