"""A poster template cannot make the renderer open a file on the server: `background_image`
(once a server path) is accepted for old templates but never read; only uploads are drawn."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from tests.livecode.conftest import Linked, linked  # noqa: F401 (the fixture)
from tests.livecode.test_api import SPEC
from tests.livecode.test_posters import get_png


async def test_a_server_path_is_never_drawn(linked: Linked, tmp_path: Path) -> None:  # noqa: F811
    secret = tmp_path / "private.png"  # some image on the server the poster must not reveal
    Image.new("RGB", (750, 1334), (1, 2, 3)).save(secret)
    code: dict[str, Any] = await linked.api("POST", "/api/v1/livecodes", SPEC, status=201)
    saved = await linked.api(
        "PUT", f"/api/v1/livecodes/{code['id']}/poster", {"background_image": str(secret)}
    )
    assert saved["background_image"] is None
    png = await get_png(linked, f"/api/v1/livecodes/{code['id']}/poster.png")
    drawn = Image.open(io.BytesIO(png)).convert("RGB")
    assert drawn.getpixel((10, 1300)) == (0xFF, 0xF4, 0xE5)  # the background colour, not the file
