"""Cold posters fast: the template's fixed layer drawn once, a palette PNG, text as index ramps.

A 750×1334 RGB PNG costs ≈ 25 ms to encode whatever the zlib level, and drawing the fixed
layer (background, bar, subtitle) ≈ 10 ms more. A poster on a plain background has few
colours: each text is its colour blended over one solid background, the QR is black and
white. So the poster is built in palette mode: one palette per template made of 32-step ramps
(background → text colour, accent → white) plus black and white; each text is rendered as an
8-bit coverage mask and mapped onto its ramp, which is what antialiasing over a solid colour
produces anyway. The palette PNG encodes in ≈ 2 ms. Templates with a background image keep
the RGB path in `poster.render` (a photo needs true colour).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from livecode import qr

STEPS = 32  # shades per ramp: more than antialiasing shows at these sizes
# zlib level 1: the palette image is ≈ 1 byte a pixel, mostly runs; higher levels cost more
# time than the few KB they save (measured in docs/benchmarks.md, Posters).
COMPRESS_LEVEL = 1
TITLE_FG, AVATAR_FG, NAME_FG, SUBTITLE_FG = "#FFFFFF", "#FFFFFF", "#333333", "#555555"


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@dataclass(frozen=True)
class Palette:
    """Index of each ramp's first shade; shade k of a ramp is start + k."""

    colours: tuple[int, ...]  # flat RGB triples for putpalette
    ramps: dict[tuple[str, str], int]
    black: int
    white: int

    def index(self, bg: str, fg: str, coverage: int) -> int:
        return self.ramps[(bg, fg)] + coverage * (STEPS - 1) // 255


def _palette(background: str, accent: str) -> Palette:
    flat: list[int] = []
    ramps: dict[tuple[str, str], int] = {}
    pairs = [(accent, TITLE_FG), (background, NAME_FG), (background, SUBTITLE_FG)]
    for bg, fg in pairs:
        ramps[(bg, fg)] = len(flat) // 3
        (r0, g0, b0), (r1, g1, b1) = _rgb(bg), _rgb(fg)
        for k in range(STEPS):
            t = k / (STEPS - 1)
            flat += [
                round(r0 + (r1 - r0) * t),
                round(g0 + (g1 - g0) * t),
                round(b0 + (b1 - b0) * t),
            ]
    black, white = len(flat) // 3, len(flat) // 3 + 1
    flat += [0, 0, 0, 255, 255, 255]
    return Palette(tuple(flat), ramps, black, white)


@lru_cache(maxsize=32)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _text(
    img: Image.Image, pal: Palette, font: ImageFont.FreeTypeFont, xy: tuple[float, int],
    text: str, bg: str, fg: str,
) -> None:  # fmt: skip
    """Draw `text` at `xy` (as ImageDraw.text would) in `fg` over the solid `bg`."""
    if not text:
        return
    _, _, right, bottom = font.getbbox(text)
    x, y = round(xy[0]), xy[1]
    mask = Image.new("L", (math.ceil(right), math.ceil(bottom)))
    ImageDraw.Draw(mask).text((0, 0), text, font=font, fill=255)
    coverage = mask.tobytes()
    shaded = Image.frombytes("P", mask.size, coverage.translate(_ramp(pal.ramps[(bg, fg)])))
    img.paste(shaded, (x, y), Image.frombytes("L", mask.size, coverage.translate(_COVERED)))


# Byte tables for bytes.translate: Image.point with a list rounds 256 floats on every call.
_COVERED = bytes([0] + [255] * 255)


@lru_cache(maxsize=64)
def _ramp(start: int) -> bytes:
    """Coverage 0–255 → the palette index of that shade on the ramp beginning at `start`."""
    return bytes(start + a * (STEPS - 1) // 255 for a in range(256))


def _centred_x(font: ImageFont.FreeTypeFont, width: int, text: str) -> float:
    return (width - font.getlength(text)) / 2


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    background: str
    accent: str
    subtitle: str
    qr_x: int | None
    qr_y: int
    qr_size: int
    font_path: str


@lru_cache(maxsize=64)
def fixed_layer(layout: Layout) -> tuple[Image.Image, Palette]:
    """Everything that is the same on every poster of a template, in palette mode."""
    pal = _palette(layout.background, layout.accent)
    img = Image.new("P", (layout.width, layout.height), pal.ramps[(layout.background, NAME_FG)])
    img.putpalette(list(pal.colours))
    ImageDraw.Draw(img).rectangle(
        (0, 0, layout.width, 140), fill=pal.ramps[(layout.accent, TITLE_FG)]
    )
    sub = _font(layout.font_path, 34)
    y = layout.qr_y + layout.qr_size + 40
    x = _centred_x(sub, layout.width, layout.subtitle)
    _text(img, pal, sub, (x, y), layout.subtitle, layout.background, SUBTITLE_FG)
    return img, pal


def qr_indices(payload: str, size: int, pal: Palette) -> Image.Image:
    grid = qr.modules(payload)
    to_index = bytes(pal.black if v == qr.DARK else pal.white for v in range(256))
    small = Image.frombytes("P", grid.size, grid.tobytes().translate(to_index))
    return small.resize((size, size), Image.Resampling.NEAREST)


def render(
    layout: Layout, *, title: str, staff_name: str, show_staff: bool,
    qr_payload: str | None = None, qr_png: bytes | None = None,
) -> bytes:  # fmt: skip
    base, pal = fixed_layer(layout)
    img = base.copy()
    w = layout.width
    title_font = _font(layout.font_path, 56)
    _text(img, pal, title_font, (_centred_x(title_font, w, title), 40), title,
          layout.accent, TITLE_FG)  # fmt: skip
    if show_staff and staff_name:
        cy, r = 300, 70
        ImageDraw.Draw(img).ellipse(
            (w / 2 - r, cy - r, w / 2 + r, cy + r), fill=pal.ramps[(layout.accent, TITLE_FG)]
        )
        big, name = _font(layout.font_path, 72), _font(layout.font_path, 40)
        first = staff_name[:1]  # the avatar: the first character
        _text(img, pal, big, (_centred_x(big, w, first), cy - 40), first, layout.accent, AVATAR_FG)
        _text(img, pal, name, (_centred_x(name, w, staff_name), cy + r + 20), staff_name,
              layout.background, NAME_FG)  # fmt: skip
    if qr_payload is not None:
        symbol = qr_indices(qr_payload, layout.qr_size, pal)
    elif qr_png is not None:  # WeCom's own QR image: black and white, mapped onto the palette
        grey = Image.open(io.BytesIO(qr_png)).convert("L")
        grey = grey.resize((layout.qr_size, layout.qr_size), Image.Resampling.NEAREST)
        symbol = Image.frombytes(
            "P", grey.size, grey.point([pal.black] * 128 + [pal.white] * 128).tobytes()
        )
    else:
        raise ValueError("a poster needs qr_payload or qr_png")
    x = layout.qr_x if layout.qr_x is not None else (w - layout.qr_size) // 2
    img.paste(symbol, (x, layout.qr_y))
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=COMPRESS_LEVEL)
    return buf.getvalue()
