"""Poster QR symbols (livecode/qr.py): qrcode's version, finders, quiet zone, decodable."""

from __future__ import annotations

import qrcode
import zxingcpp

from livecode import qr

PAYLOADS = [
    "https://scrm.example.com/l/1",
    "https://scrm.example.com/l/12345?c=双十一&s=门店海报",
    "https://scrm.example.com/l/" + "x" * 200,
]
FINDER = [
    [0, 0, 0, 0, 0, 0, 0],
    [0, 255, 255, 255, 255, 255, 0],
    [0, 255, 0, 0, 0, 255, 0],
    [0, 255, 0, 0, 0, 255, 0],
    [0, 255, 0, 0, 0, 255, 0],
    [0, 255, 255, 255, 255, 255, 0],
    [0, 0, 0, 0, 0, 0, 0],
]


def _rows(img, x0: int, y0: int, n: int) -> list[list[int]]:
    return [[img.getpixel((x0 + x, y0 + y)) for x in range(n)] for y in range(n)]


def test_same_version_as_qrcode_at_level_m() -> None:
    for payload in PAYLOADS:
        ref = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=qr.BORDER)
        ref.add_data(payload)
        assert qr.modules(payload).size == (len(ref.get_matrix()),) * 2, payload


def test_finders_in_three_corners_inside_a_light_quiet_zone() -> None:
    img = qr.modules(PAYLOADS[1])
    n, b = img.size[0], qr.BORDER
    for x0, y0 in ((b, b), (n - b - 7, b), (b, n - b - 7)):
        assert _rows(img, x0, y0, 7) == FINDER
    edge = [img.getpixel((x, y)) for x in range(n) for y in range(n)
            if min(x, y) < b or max(x, y) >= n - b]  # fmt: skip
    assert set(edge) == {qr.LIGHT}


def test_scaled_symbol_decodes_to_its_payload() -> None:
    for payload in PAYLOADS:
        img = qr.image(payload, 360)
        assert img.size == (360, 360)
        assert [r.text for r in zxingcpp.read_barcodes(img)] == [payload]
