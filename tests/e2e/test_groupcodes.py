"""群活码 in the browser: create from the form, poster, a sandbox join counted, edit, delete."""

from __future__ import annotations

import re

from scrm.models.livecode import GroupLiveCode
from tests.e2e.conftest import UI
from tests.e2e.test_livecodes import image_loaded, shot_top


async def test_group_code_create_poster_join_and_edit(ui: UI) -> None:
    chats = [
        (await ui.linked.sandbox.control("groups", {"owner": "zhangsan", "name": n}))["chat_id"]
        for n in ("福利一群", "福利二群")
    ]
    await ui.linked.drain()  # the bot mirrors both groups
    page = await ui.login("ops")
    await page.goto(ui.url("/admin/groupcodes"))
    await page.click("[data-testid=gc-new]")
    await page.click("[data-testid=gc-save]")  # no group chosen: refused before sending
    assert "/admin/groupcodes/new" in page.url
    await page.fill("[data-testid=gc-name-input]", "福利群活码")
    await page.fill("[data-testid=gc-threshold-input]", "100")
    for box in await page.locator("[data-testid=gc-chat]").all():
        await box.check()
    await page.fill("[data-testid=gc-welcome]", "欢迎入群！")
    await page.click("[data-testid=gc-save]")
    await page.wait_for_url(re.compile(r"/admin/groupcodes/\d+$"))
    code = await GroupLiveCode.get(name="福利群活码")
    assert sorted(code.chat_ids) == sorted(chats) and code.threshold == 100
    assert await image_loaded(page, "[data-testid=gc-poster]") == 750

    await ui.linked.sandbox.control("group_scan", {"config_id": code.config_id, "name": "甲"})
    await ui.linked.drain()
    await page.reload()
    assert await page.text_content("[data-testid=gc-week]") == "1"

    await page.click("[data-testid=gc-edit]")
    assert await page.input_value("[data-testid=gc-threshold-input]") == "100"
    await page.fill("[data-testid=gc-threshold-input]", "150")
    await page.click("[data-testid=gc-save]")
    await page.wait_for_url(f"**/admin/groupcodes/{code.id}")
    await code.refresh_from_db()
    assert code.threshold == 150
    await page.goto(ui.url("/admin/groupcodes"))
    row = page.locator(f"[data-testid=gc-row][data-id='{code.id}']")
    assert await row.locator("[data-testid=gc-threshold]").text_content() == "150"
    assert await row.locator("[data-testid=gc-joins-today]").text_content() == "1"
    await shot_top(ui, "groupcodes-list", page)

    # Deleting from the detail page asks first, then leaves for the list.
    await page.goto(ui.url(f"/admin/groupcodes/{code.id}"))
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("[data-testid=gc-delete]")
    await page.wait_for_url(re.compile(r"/admin/groupcodes$"))
    assert await page.locator("[data-testid=gc-row]").count() == 0
    assert not await GroupLiveCode.exists(id=code.id)

    staff = await ui.login("wangwu", await ui.new_page())
    resp = await staff.goto(ui.url("/admin/groupcodes"))
    assert resp is not None and resp.status == 403


async def test_no_groups_yet_is_a_helpful_empty_state_not_an_error(ui: UI) -> None:
    page = await ui.login("ops")
    await page.goto(ui.url("/admin/groupcodes/new"))
    empty = page.locator("[data-testid=gc-no-chats]")
    assert "先建一个客户群" in await empty.inner_text()
    assert await page.locator("[data-testid=gc-form] .error").count() == 0
