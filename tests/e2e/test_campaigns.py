"""客户分群 → 群发 with a 雷达 link → tracking → remind, in the browser: the issue's "done
when" path, against the sandbox."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import expect

from scrm.infra import background
from scrm.models import MassSendTask
from tests.campaigns.helpers import customers
from tests.campaigns.test_mass_send_e2e import open_link
from tests.e2e.conftest import UI


async def test_ops_segments_sends_tracks_and_reminds(ui: UI) -> None:
    exts = await customers(ui.linked, 4, tagged=3)
    page = await ui.login("ops")

    # A segment: tagged 意向-高, previewed, saved.
    await page.goto(ui.url("/admin/segments"))
    await page.fill("[data-testid=segment-name]", "高意向")
    await page.select_option("[data-testid=segment-tags]", label="意向-高")
    await page.click("[data-testid=segment-preview]")
    await expect(page.locator("[data-testid=segment-result]")).to_have_text("符合条件的客户：3 人")
    await expect(page.locator("[data-testid=segment-people] li")).to_have_count(3)
    async with page.expect_navigation():
        await page.click("[data-testid=segment-save]")
    await expect(page.locator("[data-testid=segment-count]")).to_have_text("3")

    # A tracked link in the 素材库.
    await page.goto(ui.url("/admin/materials"))
    await page.select_option("[data-testid=material-kind]", "link")
    await page.fill("[data-testid=material-title]", "双十二会员日")
    await page.fill("[data-testid=material-url]", "https://shop.example.com/d12")
    await page.check("[data-testid=material-tracked]")
    async with page.expect_navigation():
        await page.click("[data-testid=material-save]")
    await expect(page.locator("[data-testid=material-row]")).to_have_count(1)

    # The 群发: reach first, then send; the worker makes one task per member.
    await page.goto(ui.url("/admin/segments"))
    async with page.expect_navigation():
        await page.click("[data-testid=segment-row] >> text=群发")
    await page.fill("[data-testid=send-name]", "双十二")
    await page.fill("[data-testid=send-text]", "会员日来啦")
    await page.check("[data-testid=send-material]")
    await page.click("[data-testid=send-reach]")
    await expect(page.locator("[data-testid=reach-result]")).to_contain_text("将送达 3")
    async with page.expect_navigation(url="**/admin/mass-sends/*"):
        await page.click("[data-testid=send-submit]")
    await ui.linked.drain()
    tasks = {t.sender: t for t in await MassSendTask.all()}
    assert sorted(tasks) == ["lisi", "zhangsan"]
    await ui.linked.sandbox.control(
        f"mass/{tasks['zhangsan'].msgid}/confirm", {"userid": "zhangsan"}
    )

    # Tracking: zhangsan has sent, lisi has not; remind lisi.
    await page.reload()
    async with page.expect_navigation():
        await page.click("[data-testid=send-track]")
    zs = page.locator(
        "[data-testid=member-row][data-userid=zhangsan] [data-testid=member-confirmed]"
    )
    await expect(zs).to_have_text("已发送")
    ls = page.locator("[data-testid=member-row][data-userid=lisi] [data-testid=member-confirmed]")
    await expect(ls).to_have_text("未发送")
    sent = await MassSendTask.get(sender="zhangsan")
    await expect(page.locator("[data-testid=total-1]")).to_have_text(str(sent.recipients))
    async with page.expect_navigation():
        await page.click("[data-testid=send-remind]")
    assert len(await ui.linked.sandbox.records("mass_remind")) == 1

    # Who opened the link: the customer opens it from zhangsan's message.
    made = {m["data"]["msgid"]: m["data"] for m in await ui.linked.sandbox.records("mass_message")}
    url = made[sent.msgid]["attachments"][0]["link"]["url"]
    customer = made[sent.msgid]["targets"]["zhangsan"][0]
    assert customer in exts
    await open_link(ui.linked, urlsplit(url).path, customer)
    await background.wait_all()
    await page.reload()
    await expect(page.locator("[data-testid=radar-opens]")).to_have_text("1")
    await expect(page.locator("[data-testid=radar-opener]")).to_have_count(1)
    await ui.shot("campaigns-detail", page)
    await page.goto(ui.url("/admin/mass-sends"))
    await expect(page.locator("[data-testid=send-row]")).to_have_count(1)


async def test_staff_cannot_open_campaign_pages(ui: UI) -> None:
    page = await ui.login("lisi")
    for path in ("/admin/segments", "/admin/mass-sends", "/admin/materials"):
        resp = await page.goto(ui.url(path))
        assert resp is not None and resp.status == 403
