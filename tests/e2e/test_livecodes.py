"""渠道活码 in the browser: create, poster, a sandbox scan counted, edit, roles, a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.async_api import Page

from scrm.models import Corp, Tag, TagGroup
from scrm.models.livecode import LiveCode, LiveCodeMember
from tests.conftest import CORP_ID
from tests.e2e.conftest import UI
from wecom.client.models.tags import AddCorpTag, NewTag

POSTER_LOADED = "img => img.complete && img.naturalWidth > 0"


async def image_loaded(page: Page, selector: str) -> int:
    img = page.locator(selector)
    await page.wait_for_function(
        "sel => { const i = document.querySelector(sel); return i && i.complete; }", arg=selector
    )
    assert await img.evaluate(POSTER_LOADED), f"{selector} did not load"
    return int(await img.evaluate("img => img.naturalWidth"))


async def shot_top(ui: UI, name: str, page: Page) -> None:
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar belongs at the top
    await ui.shot(name, page)


async def _adds_today(ui: UI, page: Page) -> str:
    await page.goto(ui.url("/admin/"))
    return (await page.text_content("[data-testid=adds-today]") or "").strip()


async def _fill_member(page: Page, index: int, userid: str, quota: int) -> None:
    row = page.locator("[data-testid=lc-member]").nth(index)
    await row.locator("[data-testid=lc-member-userid]").select_option(userid)
    await row.locator("[data-testid=lc-member-quota]").fill(str(quota))


async def _mirrored_tag(ui: UI) -> str:
    """A tag that exists at WeCom (the sandbox) and in our mirror, as a tag sync leaves it."""
    added = await ui.linked.client.add_corp_tag(
        AddCorpTag(group_name="渠道", tag=[NewTag(name="地铁")])
    )
    corp = await Corp.get(corp_id=CORP_ID)
    group = await TagGroup.create(corp=corp, group_id=added.tag_group.group_id, name="渠道")
    tag_id = added.tag_group.tag[0].id
    await Tag.create(corp=corp, group=group, tag_id=tag_id, name="地铁")
    return tag_id


async def test_live_code_from_form_to_poster_scan_and_edit(ui: UI) -> None:
    tag_id = await _mirrored_tag(ui)
    page = await ui.login("ops")
    await page.click("nav [data-nav=livecodes]")
    assert await page.locator("[data-testid=lc-row]").count() == 0
    await page.click("[data-testid=lc-new]")

    await page.fill("[data-testid=lc-name-input]", "地铁海报")
    await page.fill("input[name=channel]", "地铁")
    await _fill_member(page, 0, "zhangsan", 5)
    await page.click("[data-testid=lc-add-member]")
    await _fill_member(page, 1, "lisi", 3)
    await page.fill("[data-testid=lc-welcome]", "")
    await page.click("button[data-var='{客户昵称}']")
    await page.locator("[data-testid=lc-welcome]").press_sequentially("您好，我是")
    await page.click("button[data-var='{员工姓名}']")
    await page.click("[data-testid=lc-add-link]")
    await page.fill("[data-testid=lc-att-link-title]", "新人礼包")
    await page.fill("[data-testid=lc-att-link-url]", "https://example.com/gift")
    await page.check("[data-testid=lc-use-schedule]")
    for day in range(1, 8):
        await page.fill(f"[data-testid=lc-sched-{day}]", "00:00-24:00")
    await page.check(f".lc-tag[value='{tag_id}']")
    # The welcome as the customer will see it: variables filled, the link as a card.
    bubble = page.locator("[data-testid=lc-welcome-preview] [data-testid=lc-welcome-bubble]")
    assert await bubble.inner_text() == "小王您好，我是张三"
    assert "新人礼包" in await page.inner_text("[data-testid=lc-welcome-link]")
    await shot_top(ui, "livecode-form", page)
    await page.click("[data-testid=lc-save]")
    await page.wait_for_url(re.compile(r"/admin/livecodes/\d+$"))

    code = await LiveCode.get(name="地铁海报")
    assert page.url.endswith(f"/admin/livecodes/{code.id}")
    assert code.welcome_text == "{客户昵称}您好，我是{员工姓名}"
    assert code.welcome_attachments == [
        {"msgtype": "link", "link": {"title": "新人礼包", "url": "https://example.com/gift"}}
    ]
    assert code.schedule["3"] == [["00:00", "24:00"]] and code.strategy == "round_robin"
    assert code.tag_ids == [tag_id]
    members = await LiveCodeMember.filter(code_id=code.id).order_by("id")
    assert [(m.userid, m.daily_quota, m.backup) for m in members] == [
        ("zhangsan", 5, False),
        ("lisi", 3, False),
    ]

    # The poster, and its download link answering with a PNG.
    assert await image_loaded(page, "[data-testid=lc-poster]") == 750
    href = await page.get_attribute("[data-testid=lc-download-poster]", "href")
    assert href is not None
    download = await page.request.get(ui.url(href))
    assert download.status == 200 and download.headers["content-type"] == "image/png"
    assert (await download.body()).startswith(b"\x89PNG")
    svg = await page.request.get(
        ui.url(await page.get_attribute("[data-testid=lc-download-svg]", "href") or "")
    )
    assert svg.status == 200 and svg.headers["content-type"] == "image/svg+xml"

    # A customer scans in the sandbox; the dashboard counts the add.
    assert await _adds_today(ui, page) == "0"
    landing = await ui.linked.bot.get(f"/l/{code.id}", params={"format": "json"})
    pick = await landing.json()
    assert pick["userid"] == "zhangsan"
    scan = await ui.linked.sandbox.control(
        "scan", {"config_id": pick["config_id"], "name": "王小明"}
    )
    assert scan["delivery"]["status"] == 200
    await ui.linked.drain()
    assert await _adds_today(ui, page) == "1"
    welcomes = await ui.linked.sandbox.records("welcome")
    assert [w["data"]["text"] for w in welcomes] == ["王小明您好，我是张三"]
    marked = await ui.linked.sandbox.records("mark_tag")
    assert [r["data"]["add_tag"] for r in marked] == [[tag_id]]

    await page.goto(ui.url(f"/admin/livecodes/{code.id}"))
    assert await page.text_content("[data-testid=lc-adds]") == "1"
    assert await page.text_content("[data-testid=lc-scans]") == "1"
    assert await page.text_content("[data-testid=lc-welcome-sent]") == "1"
    zhangsan = page.locator("[data-testid=lc-member-stat][data-userid=zhangsan]")
    assert "1 / 5" in (await zhangsan.text_content() or "")
    await image_loaded(page, "[data-testid=lc-poster]")
    await shot_top(ui, "livecode-detail", page)

    # Edit: the form comes back filled in; the change is kept and shown.
    await page.click("[data-testid=lc-edit]")
    assert await page.input_value("[data-testid=lc-name-input]") == "地铁海报"
    assert await page.input_value("[data-testid=lc-welcome]") == code.welcome_text
    assert await page.input_value("[data-testid=lc-att-link-url]") == "https://example.com/gift"
    assert await page.is_checked(f".lc-tag[value='{tag_id}']")
    await page.fill("[data-testid=lc-name-input]", "地铁海报-国贸")
    await page.fill("input[name=expires_at]", "2030-01-01T09:30")  # the corp's clock: UTC+8
    await (
        page.locator("[data-testid=lc-member]")
        .nth(1)
        .locator("[data-testid=lc-member-quota]")
        .fill("8")
    )
    await page.click("[data-testid=lc-save]")
    await page.wait_for_url(f"**/admin/livecodes/{code.id}")
    assert "地铁海报-国贸" in (await page.text_content("h1") or "")
    await code.refresh_from_db()
    assert code.name == "地铁海报-国贸" and code.welcome_attachments[0]["msgtype"] == "link"
    lisi = await LiveCodeMember.get(code_id=code.id, userid="lisi")
    assert lisi.daily_quota == 8
    assert code.expires_at is not None
    assert code.expires_at.timestamp() == datetime(2030, 1, 1, 1, 30, tzinfo=UTC).timestamp()
    await image_loaded(page, "[data-testid=lc-poster]")  # re-rendered with the new title

    # Poster settings and taking a member off duty, from the detail page.
    await page.fill("[data-testid=lc-poster-form] input[name=title]", "国贸站专属")
    await page.select_option("[data-testid=poster-size]", "750x1000")
    async with page.expect_navigation():
        await page.click("[data-testid=lc-poster-form] button[type=submit]")
    await code.refresh_from_db()
    assert code.poster["title"] == "国贸站专属" and code.poster["height"] == 1000
    assert await page.input_value("[data-testid=lc-poster-form] input[name=title]") == "国贸站专属"
    assert await image_loaded(page, "[data-testid=lc-poster]") == 750
    assert await page.locator("[data-testid=lc-poster]").evaluate("i => i.naturalHeight") == 1000
    async with page.expect_navigation():
        await page.click("[data-testid=lc-member-stat][data-userid=lisi] button")
    assert not (await LiveCodeMember.get(code_id=code.id, userid="lisi")).online

    # The list: today's adds, and pausing from it.
    await page.goto(ui.url("/admin/livecodes"))
    row = page.locator(f"[data-testid=lc-row][data-id='{code.id}']")
    assert await row.locator("[data-testid=lc-adds-today]").text_content() == "1"
    await shot_top(ui, "livecodes-list", page)
    await row.locator("[data-testid=lc-pause]").click()
    await page.wait_for_selector("[data-testid=lc-resume]")
    assert await row.locator("[data-testid=lc-status]").text_content() == "已暂停"
    await code.refresh_from_db()
    assert code.status == "paused"

    # A bad edit is refused with the reason shown, and nothing changes.
    await page.goto(ui.url(f"/admin/livecodes/{code.id}/edit"))
    await page.fill("[data-testid=lc-sched-1]", "9点到18点")
    await page.click("[data-testid=lc-save]")
    assert "周一" in (await page.text_content("[data-testid=lc-form-error]") or "")
    assert page.url.endswith("/edit")

    # Staff do not get the page.
    staff = await ui.login("lisi", await ui.new_page())
    resp = await staff.goto(ui.url("/admin/livecodes"))
    assert resp is not None and resp.status == 403
    assert await staff.locator("[data-testid=forbidden]").count() == 1
    assert await staff.locator("nav [data-nav=livecodes]").count() == 0


async def test_the_pages_fit_a_phone(ui: UI) -> None:
    spec = {"name": "手机看码", "members": [{"userid": "zhangsan", "daily_quota": 9}]}
    code = await ui.linked.api("POST", "/api/v1/livecodes", spec, status=201)
    chat = await ui.linked.sandbox.control("groups", {"owner": "lisi", "name": "手机群"})
    await ui.linked.drain()
    group = {"name": "手机群码", "chat_ids": [chat["chat_id"]]}
    group_code = await ui.linked.api("POST", "/api/v1/group-livecodes", group, status=201)
    phone = await ui.login("ops", await ui.new_page(viewport={"width": 390, "height": 844}))
    paths = [
        "/admin/livecodes",
        "/admin/livecodes/new",
        f"/admin/livecodes/{code['id']}",
        f"/admin/livecodes/{code['id']}/edit",
        "/admin/groupcodes",
        "/admin/groupcodes/new",
        f"/admin/groupcodes/{group_code['id']}",
    ]
    for path in paths:
        resp = await phone.goto(ui.url(path))
        assert resp is not None and resp.status == 200, path
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a 390px phone"
    assert await image_loaded(phone, "[data-testid=gc-poster]") > 0
    await phone.goto(ui.url(f"/admin/livecodes/{code['id']}"))
    assert await image_loaded(phone, "[data-testid=lc-poster]") > 0
    await shot_top(ui, "livecode-detail-phone", phone)
