"""话术库: ops keep categories and items in the admin page and staff find them in the sidebar;
the API's roles, validation, ordering, and pictures turned into WeCom media ids."""

from __future__ import annotations

import io
import re

import aiohttp
from PIL import Image
from playwright.async_api import expect

from scrm.models import QuickReply, QuickReplyCategory
from tests.e2e.conftest import UI
from tests.livecode.conftest import AUTH, Linked


async def test_ops_builds_the_library_and_staff_see_it_in_the_sidebar(ui: UI) -> None:
    page = await ui.login("ops")
    await page.goto(ui.url("/admin/quick-replies"))
    assert await page.text_content("h1") == "话术库"
    for name in ("开场白", "产品介绍"):
        await page.fill("[data-testid=category-name]", name)
        async with page.expect_navigation():
            await page.click("[data-testid=category-add]")
    rows = page.locator("[data-testid=category-row]")
    await expect(rows).to_have_count(2)

    # A text item and a link item in 开场白; the form shows each kind's own fields.
    await page.select_option("[data-testid=reply-category]", label="开场白")
    await page.fill("[data-testid=reply-title]", "问候")
    await page.fill("[data-testid=reply-content]", "您好，我是您的专属顾问")
    assert not await page.is_visible("[data-testid=reply-url]")
    async with page.expect_navigation():
        await page.click("[data-testid=reply-save]")
    await page.select_option("[data-testid=reply-category]", label="开场白")
    await page.select_option("[data-testid=reply-kind]", "link")
    await page.fill("[data-testid=reply-title]", "产品手册")
    await page.fill("[data-testid=reply-content]", "三分钟看懂我们的产品")
    await page.fill("[data-testid=reply-url]", "https://example.com/manual")
    async with page.expect_navigation():
        await page.click("[data-testid=reply-save]")
    await expect(page.locator("[data-testid=reply-row]")).to_have_count(2)

    # A picture: uploaded to WeCom from the form, its address filled in and previewed.
    await page.select_option("[data-testid=reply-category]", label="产品介绍")
    await page.select_option("[data-testid=reply-kind]", "image")
    assert not await page.is_visible("[data-testid=reply-content]")
    await page.fill("[data-testid=reply-title]", "门店照片")
    picture = {"name": "store.png", "mimeType": "image/png", "buffer": png()}
    await page.set_input_files("[data-testid=reply-file]", files=[picture])  # type: ignore[list-item]
    sandbox_img = ui.linked.sandbox.url + "/sandbox/img/"
    await expect(page.locator("[data-testid=reply-url]")).to_have_value(re.compile(sandbox_img))
    await expect(page.locator("[data-testid=reply-preview]")).to_be_visible()
    async with page.expect_navigation():
        await page.click("[data-testid=reply-save]")
    await expect(page.locator("[data-testid=reply-row]")).to_have_count(3)

    # Edit the text in place (the same form, now a PUT).
    await page.click("[data-testid=reply-row][data-title=问候] [data-testid=reply-edit]")
    await expect(page.locator("[data-testid=reply-title]")).to_have_value("问候")
    await page.fill("[data-testid=reply-content]", "您好，我是李四，您的专属顾问")
    async with page.expect_navigation():
        await page.click("[data-testid=reply-save]")
    await expect(page.locator("[data-testid=reply-row][data-title=问候]")).to_contain_text(
        "我是李四"
    )
    assert await QuickReply.all().count() == 3

    # 产品介绍 moves above 开场白.
    up = page.locator("[data-testid=category-row][data-name=产品介绍] button[title=上移]")
    async with page.expect_navigation():
        await up.click()
    await expect(rows.first).to_have_attribute("data-name", "产品介绍")
    await ui.shot("quickreplies-admin")
    phone = await ui.login("ops", await ui.new_page(viewport={"width": 390, "height": 844}))
    await phone.goto(ui.url("/admin/quick-replies"))
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390

    # Staff may not manage the library …
    staff = await ui.login("lisi", await ui.new_page())
    await staff.goto(ui.url("/admin/quick-replies"))
    await expect(staff.locator("[data-testid=forbidden]")).to_be_visible()
    # … but find it in the sidebar, in the order ops chose; empty categories are left out.
    await ui.linked.api("POST", "/api/v1/quick-replies/categories", {"name": "空分类"}, 201)
    product = await QuickReplyCategory.get(name="产品介绍")
    body = {
        "category_id": product.id,
        "kind": "text",
        "title": "价格",
        "content": "标准版每年 999 元",
    }
    await ui.linked.api("POST", "/api/v1/quick-replies", body, status=201)
    await staff.goto(ui.url("/sidebar/"))
    await staff.click("[data-testid=tab-replies]")
    cats = staff.locator("[data-testid=reply-category]")
    await expect(cats).to_have_count(2)
    assert [await c.get_attribute("data-name") for c in await cats.all()] == ["产品介绍", "开场白"]
    await expect(staff.locator("[data-testid=reply]")).to_have_count(4)
    await expect(staff.locator("[data-testid=reply][data-title=问候]")).to_contain_text("我是李四")
    await staff.fill("[data-testid=reply-search]", "手册")
    await expect(staff.locator("[data-testid=reply]")).to_have_count(1)
    # Outside WeCom nothing can be inserted, and nothing is counted.
    await staff.click("[data-testid=reply][data-title=产品手册]")
    await expect(staff.locator("#toast")).to_contain_text("不在企业微信聊天中")
    assert sum(r.uses for r in await QuickReply.all()) == 0


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (160, 100), (47, 124, 246)).save(buf, "PNG")
    return buf.getvalue()


async def staff_auth(linked: Linked) -> dict[str, str]:
    body = {"name": "lisi-token", "role": "staff", "userid": "lisi"}
    issued = await linked.api("POST", "/api/v1/api-tokens", body, status=201)
    return {"Authorization": f"Bearer {issued['token']}"}


async def test_roles_and_validation(linked: Linked) -> None:
    bot = linked.bot
    cat = await linked.api("POST", "/api/v1/quick-replies/categories", {"name": "售后"}, 201)
    again = await linked.api("POST", "/api/v1/quick-replies/categories", {"name": "售后"}, 409)
    assert "售后" in again["error"]
    cid = cat["id"]
    other = await linked.api("POST", "/api/v1/quick-replies/categories", {"name": "催单"}, 201)
    path = f"/api/v1/quick-replies/categories/{other['id']}"
    await linked.api("PUT", path, {"name": "售后", "sort": 5}, status=409)
    renamed = await linked.api("PUT", path, {"name": "跟单", "sort": 5})
    assert renamed == {"id": other["id"], "name": "跟单", "sort": 5}
    await linked.api("PUT", path, {"name": "  "}, status=422)
    for body in (
        {"category_id": cid, "kind": "text", "title": "空的"},
        {"category_id": cid, "kind": "image", "title": "图", "url": "ftp://x/a.png"},
        {"category_id": cid, "kind": "link", "title": "链接"},
        {"category_id": cid, "kind": "video", "title": "视频", "url": "https://x/v.mp4"},
        {"category_id": cid, "kind": "text", "title": "", "content": "x"},
    ):
        await linked.api("POST", "/api/v1/quick-replies", body, status=422)
    missing = {"category_id": 999, "kind": "text", "title": "t", "content": "x"}
    await linked.api("POST", "/api/v1/quick-replies", missing, status=422)

    staff = await staff_auth(linked)
    good = {"category_id": cid, "kind": "text", "title": "退货", "content": "七天无理由退货"}
    assert (await bot.post("/api/v1/quick-replies", json=good, headers=staff)).status == 403
    made = await linked.api("POST", "/api/v1/quick-replies", good, status=201)
    assert (await bot.delete(f"/api/v1/quick-replies/{made['id']}", headers=staff)).status == 403
    listed = await (await bot.get("/api/v1/quick-replies", headers=staff)).json()
    assert [c["name"] for c in listed["categories"]] == ["售后", "跟单"]
    assert [i["title"] for i in listed["categories"][0]["items"]] == ["退货"]
    used = await bot.post(f"/api/v1/quick-replies/{made['id']}/use", headers=staff)
    assert (await used.json())["message"] == {
        "msgtype": "text",
        "text": {"content": "七天无理由退货"},
    }
    assert (await QuickReply.get(id=made["id"])).uses == 1
    assert (await bot.get("/api/v1/quick-replies/abc", headers=staff)).status == 404


async def test_items_move_and_a_category_takes_its_items_along(linked: Linked) -> None:
    cat = await linked.api("POST", "/api/v1/quick-replies/categories", {"name": "常用"}, 201)
    ids = []
    for title in ("一", "二", "三"):
        body = {"category_id": cat["id"], "kind": "text", "title": title, "content": title}
        ids.append((await linked.api("POST", "/api/v1/quick-replies", body, status=201))["id"])
    await linked.api("POST", f"/api/v1/quick-replies/{ids[2]}/move", {"direction": "up"})
    await linked.api("POST", f"/api/v1/quick-replies/{ids[0]}/move", {"direction": "up"})  # top
    listed = await linked.api("GET", "/api/v1/quick-replies")
    assert [i["title"] for i in listed["categories"][0]["items"]] == ["一", "三", "二"]
    await linked.api("POST", f"/api/v1/quick-replies/{ids[0]}/move", {"direction": "x"}, 422)
    gone = await linked.api("DELETE", f"/api/v1/quick-replies/categories/{cat['id']}")
    assert gone["items_deleted"] == 3
    assert await QuickReply.all().count() == 0 and await QuickReplyCategory.all().count() == 0


async def test_a_picture_becomes_a_cached_media_id(linked: Linked) -> None:
    bot = linked.bot
    form = aiohttp.FormData()
    form.add_field("file", b"not a picture at all", filename="a.txt")
    refused = await bot.post("/api/v1/quick-replies/images", data=form, headers=AUTH)
    assert refused.status == 422
    form = aiohttp.FormData()
    form.add_field("file", png(), filename="logo.png", content_type="image/png")
    uploaded = await bot.post("/api/v1/quick-replies/images", data=form, headers=AUTH)
    assert uploaded.status == 201, await uploaded.text()
    url = (await uploaded.json())["url"]
    assert url.startswith(linked.sandbox.url + "/sandbox/img/")

    cat = await linked.api("POST", "/api/v1/quick-replies/categories", {"name": "图片"}, 201)
    body = {"category_id": cat["id"], "kind": "image", "title": "门店照片", "url": url}
    item = await linked.api("POST", "/api/v1/quick-replies", body, status=201)
    first = await linked.api("POST", f"/api/v1/quick-replies/{item['id']}/use")
    uploads = await linked.sandbox.records("media")
    assert len(uploads) == 1 and uploads[0]["data"]["type"] == "image"
    assert first["message"] == {
        "msgtype": "image",
        "image": {"mediaid": uploads[0]["data"]["media_id"]},
    }
    second = await linked.api("POST", f"/api/v1/quick-replies/{item['id']}/use")
    assert second["message"] == first["message"] and second["uses"] == 2
    assert len(await linked.sandbox.records("media")) == 1  # cached: no second upload

    # A link's card carries its cover; a picture that cannot be fetched is a clear 502.
    body = {"category_id": cat["id"], "kind": "image", "title": "坏图", "url": url + "x"}
    broken = await linked.api("POST", "/api/v1/quick-replies", body, status=201)
    failed = await linked.api("POST", f"/api/v1/quick-replies/{broken['id']}/use", status=502)
    assert "图片下载失败" in failed["error"]
    assert (await QuickReply.get(id=broken["id"])).uses == 0
    link = {
        "category_id": cat["id"], "kind": "link", "title": "活动", "content": "限时优惠",
        "url": "https://example.com/sale", "img_url": "https://example.com/sale.png",
    }  # fmt: skip
    made = await linked.api("POST", "/api/v1/quick-replies", link, status=201)
    news = (await linked.api("POST", f"/api/v1/quick-replies/{made['id']}/use"))["message"]
    assert news == {
        "msgtype": "news",
        "news": {
            "link": "https://example.com/sale",
            "title": "活动",
            "desc": "限时优惠",
            "imgUrl": "https://example.com/sale.png",
        },
    }
