"""Cold posters on the palette path: they decode, look like the template, reuse its layer."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from livecode import poster, poster_fast


def decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_palette_poster_decodes_and_keeps_the_template_colours() -> None:
    template = poster.PosterTemplate(background="#fff4e5", accent="#E8552B")
    png = poster.render(
        template, title="双十一门店海报", staff_name="张三", qr_payload="https://x.example/l/7"
    )
    img = Image.open(io.BytesIO(png))
    assert img.size == (750, 1334) and img.mode == "P"
    assert decode(png) == ["https://x.example/l/7"]
    rgb = img.convert("RGB")
    assert rgb.getpixel((5, 5)) == (0xE8, 0x55, 0x2B)  # the accent bar
    assert rgb.getpixel((5, 1300)) == (0xFF, 0xF4, 0xE5)  # the background
    assert rgb.getpixel((375, 300 - 69)) == (0xE8, 0x55, 0x2B)  # the avatar circle
    # The title is drawn: white text on the bar, with antialiased shades between.
    bar = {rgb.getpixel((x, y)) for x in range(0, 750, 3) for y in range(40, 110, 3)}
    assert (255, 255, 255) in bar and len(bar) > 3


def test_wecom_qr_image_is_mapped_onto_the_palette() -> None:
    wecom_qr = poster.qr_image("https://work.weixin.qq.com/ca/cawcde", 280)
    buf = io.BytesIO()
    wecom_qr.save(buf, format="PNG")
    png = poster.render(poster.PosterTemplate(), title="门店", qr_png=buf.getvalue())
    assert decode(png) == ["https://work.weixin.qq.com/ca/cawcde"]


def test_fixed_layer_is_drawn_once_per_template() -> None:
    poster_fast.fixed_layer.cache_clear()
    template = poster.PosterTemplate(title="", subtitle="扫码领券")
    pngs = [
        poster.render(template, title=f"门店{i}", staff_name="李四", qr_payload=f"https://x/l/{i}")
        for i in range(5)
    ]
    info = poster_fast.fixed_layer.cache_info()
    assert (info.misses, info.hits) == (1, 4)
    assert [decode(p) for p in pngs] == [[f"https://x/l/{i}"] for i in range(5)]
    other = poster.PosterTemplate(subtitle="长按识别")
    poster.render(other, title="门店", qr_payload="https://x/l/9")
    assert poster_fast.fixed_layer.cache_info().misses == 2


def test_background_image_keeps_true_colour() -> None:
    buf = io.BytesIO()
    Image.radial_gradient("L").convert("RGB").resize((750, 1334)).save(buf, format="PNG")
    template = poster.PosterTemplate()
    png = poster.render(
        template, title="门店", qr_payload="https://x/l/1", background=buf.getvalue()
    )
    assert Image.open(io.BytesIO(png)).mode == "RGB"
    assert decode(png) == ["https://x/l/1"]
