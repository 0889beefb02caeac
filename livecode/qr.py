"""QR symbols for raster posters, encoded by zxing-cpp (C++), as a greyscale module grid.

`qrcode` (pure Python) spends ≈ 8 ms of a poster's ≈ 16 ms choosing the mask: it lays out
the symbol eight times and scores each in Python. zxing-cpp's encoder makes the same choice
(the penalty rules of ISO/IEC 18004) in ≈ 0.3 ms. `qrcode` stays for the SVG download,
where one poster at a time is drawn (decision 0036)."""

from __future__ import annotations

import zxingcpp
from PIL import Image, ImageOps

BORDER = 2  # modules of quiet zone around the symbol: scanners read 2 on a white poster
DARK, LIGHT = 0, 255


def modules(payload: str) -> Image.Image:
    """The symbol at one pixel a module (mode "L": 0 dark, 255 light), quiet zone included;
    error correction M, as the posters always had."""
    code = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    grid = code.to_image(scale=1, add_quiet_zones=False)
    width, height = grid.shape[1], grid.shape[0]
    symbol = Image.frombytes("L", (width, height), bytes(memoryview(grid)))  # type: ignore[arg-type]
    return ImageOps.expand(symbol, border=BORDER, fill=LIGHT)


def image(payload: str, size: int) -> Image.Image:
    """The symbol scaled to `size` pixels square, black on white, without blurring modules."""
    return modules(payload).resize((size, size), Image.Resampling.NEAREST)
