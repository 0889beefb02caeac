"""海报设计 in Chromium: the QR code and the avatar dragged into place at phone width, the
stored positions used by the rendered poster, and a background image uploaded from a file."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.async_api import Page

from scrm.models.livecode import LiveCode
from tests.e2e.conftest import UI
from tests.e2e.test_livecodes import _fill_member, image_loaded


async def drag(page: Page, selector: str, dx: int, dy: int) -> None:
    await page.locator(selector).scroll_into_view_if_needed()
    box = await page.locator(selector).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await page.mouse.move(x, y)
    await page.mouse.down()
    await page.mouse.move(x + dx / 2, y + dy / 2, steps=4)
    await page.mouse.move(x + dx, y + dy, steps=4)
    await page.mouse.up()


async def _one_member_code(ui: UI, page: Page) -> LiveCode:
    await page.goto(ui.url("/admin/livecodes/new"))
    await page.fill("[data-testid=lc-name-input]", "门店海报")
    await _fill_member(page, 0, "zhangsan", 0)
    await page.click("[data-testid=lc-save]")
    await page.wait_for_url(re.compile(r"/admin/livecodes/\d+$"))
    return await LiveCode.get(name="门店海报")


async def test_drag_blocks_and_upload_a_background(ui: UI, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = await ui.login("ops")
    code = await _one_member_code(ui, page)
    stage = page.locator("[data-testid=poster-stage]")
    # Phone width: a 750 px poster shown 375 px wide, so one screen pixel is two poster pixels.
    assert round((await stage.bounding_box() or {})["width"]) == 375
    assert await page.inner_text("[data-testid=poster-name]") == "张三"

    await drag(page, "[data-testid=poster-qr]", -40, 60)
    await drag(page, "[data-testid=poster-avatar]", 100, 0)
    async with page.expect_navigation():
        await page.click("[data-testid=poster-save]")
    await code.refresh_from_db()
    qr_x0 = (750 - 420) // 2
    assert abs(code.poster["qr_x"] - (qr_x0 - 80)) <= 2 and abs(code.poster["qr_y"] - 680) <= 2
    assert abs(code.poster["avatar_x"] - (375 + 200)) <= 2 and code.poster["avatar_y"] == 300

    # The rendered poster follows: the avatar's circle (accent colour) is now right of centre.
    await image_loaded(page, "[data-testid=lc-poster]")
    png = await (await page.request.get(ui.url(f"/api/v1/livecodes/{code.id}/poster.png"))).body()
    poster = Image.open(io.BytesIO(png)).convert("RGB")
    accent = (0xE8, 0x55, 0x2B)
    assert poster.getpixel((575, 250)) == accent and poster.getpixel((375, 250)) != accent

    # A background image, uploaded from a file, fills the poster behind the blocks.
    picture = tmp_path / "bg.png"
    Image.new("RGB", (300, 500), (10, 120, 200)).save(picture)
    async with page.expect_navigation():
        await page.set_input_files("[data-testid=poster-bg-file]", str(picture))
    await code.refresh_from_db()
    assert code.poster_background is not None
    assert "poster/background" in (await stage.evaluate("s => s.style.backgroundImage"))
    png = await (await page.request.get(ui.url(f"/api/v1/livecodes/{code.id}/poster.png"))).body()
    assert Image.open(io.BytesIO(png)).convert("RGB").getpixel((20, 1300)) == (10, 120, 200)
    await ui.shot("poster-designer")


async def test_builder_and_designer_fit_a_phone(ui: UI) -> None:
    page = await ui.login("ops")
    code = await _one_member_code(ui, page)
    await page.set_viewport_size({"width": 390, "height": 844})
    for path in (f"/admin/livecodes/{code.id}", "/admin/journeys/new", "/admin/livecodes/new"):
        await page.goto(ui.url(path))
        wide = await page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, (path, wide)
    await page.goto(ui.url("/admin/journeys/new"))
    await ui.shot("journey-builder-phone")
