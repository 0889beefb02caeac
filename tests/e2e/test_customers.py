"""客户 pages in the browser: staff see only their customers (list, URL and API alike),
managers their team's; the 360° page shows profile, lead, deals, follow-ups and timeline."""

from __future__ import annotations

from playwright.async_api import Page

from tests.e2e.conftest import UI
from tests.leads.customer_seed import exts, seed_customers

NO_SUCH = "没有这条记录，或不在你的数据范围内"  # the same words for absent and out of scope


async def listed(page: Page) -> list[str]:
    rows = page.locator("[data-testid=customer-row]")
    return sorted(await rows.evaluate_all("rows => rows.map(r => r.dataset.ext)"))


async def test_staff_see_only_their_own_customers(ui: UI) -> None:
    seeded = await seed_customers(ui.linked)
    await ui.linked.api(
        "POST",
        "/api/v1/opportunities",
        {
            "name": "门店年度订阅",
            "owner_userid": "lisi",
            "amount": 1_280_000,
            "lead_id": seeded.lead.id,
        },
        status=201,
    )
    page = await ui.login("lisi")
    await page.goto(ui.url("/admin/customers"))
    assert await listed(page) == ["wmLisiA", "wmLisiB"]
    assert await page.text_content("[data-testid=customer-total]") == "2"
    assert "王客户" not in await page.content()
    await ui.shot("customers-list")

    # Another staff member's customer by URL: the same 404 as a customer that never existed.
    other = await page.goto(ui.url("/admin/customers/wmWangA"))
    assert other is not None and other.status == 404
    assert await page.locator("[data-testid=customer-missing]").count() == 1
    assert "王客户" not in await page.content()
    absent = await page.goto(ui.url("/admin/customers/wmNobody"))
    assert absent is not None and absent.status == 404

    # The JSON API with the same session cookie answers the same way.
    resp = await page.request.get(ui.url("/api/v1/customers/wmWangA"))
    assert resp.status == 404 and await resp.json() == {
        "error": "no such customer",
        "message": NO_SUCH,
    }
    resp = await page.request.get(ui.url("/api/v1/customers"))
    assert resp.status == 200 and exts(await resp.json()) == {"wmLisiA", "wmLisiB"}
    resp = await page.request.get(ui.url("/api/v1/customers?owner=wangwu"))
    assert (await resp.json())["total"] == 0

    own = await page.goto(ui.url("/admin/customers/wmLisiA"))
    assert own is not None and own.status == 200
    assert await page.text_content("[data-testid=customer-name]") == "李客户甲"
    assert await page.text_content("[data-testid=customer-channel]") == "门店海报"
    assert "VIP" in (await page.text_content("[data-testid=customer-tags]") or "")
    assert await page.text_content("[data-testid=customer-leads] [data-testid=lead-score]") == "72"
    assert "门店年度订阅" in (await page.text_content("[data-testid=customer-opps]") or "")
    assert "¥12,800" in (await page.text_content("[data-testid=customer-opps]") or "")
    kinds = await page.locator("[data-testid=customer-timeline] li").evaluate_all(
        "items => items.map(i => i.dataset.kind)"
    )
    assert {"wecom.added", "lead.intake", "followup"} <= set(kinds)

    # A follow-up entered on the page lands in the follow-ups and the timeline.
    await page.fill("[data-testid=followup-form] textarea[name=note]", "约了周五上门演示")
    await page.click("[data-testid=followup-form] button[type=submit]")
    await page.wait_for_selector("[data-testid=customer-followups] >> text=约了周五上门演示")
    assert "约了周五上门演示" in (await page.text_content("[data-testid=customer-timeline]") or "")
    await page.evaluate("window.scrollTo(0, 0)")
    await ui.shot("customer-360")


async def test_a_manager_sees_the_team_and_filters(ui: UI) -> None:
    await seed_customers(ui.linked)
    page = await ui.login("boss")
    await page.goto(ui.url("/admin/customers"))
    assert await listed(page) == ["wmLisiA", "wmLisiB", "wmZhangA"]
    other = await page.goto(ui.url("/admin/customers/wmWangA"))
    assert other is not None and other.status == 404
    resp = await page.request.get(ui.url("/api/v1/customers/wmWangA"))
    assert resp.status == 404
    team = await page.goto(ui.url("/admin/customers/wmLisiB"))
    assert team is not None and team.status == 200

    await page.goto(ui.url("/admin/customers"))
    await page.select_option("select[name=owner]", "lisi")
    await page.select_option("select[name=tag]", "tagVIP")
    await page.click("[data-testid=customer-filters] button[type=submit]")
    await page.wait_for_url("**owner=lisi**")
    assert await listed(page) == ["wmLisiA"]
    await page.select_option("select[name=owner]", "")
    await page.select_option("select[name=tag]", "")
    await page.select_option("select[name=channel]", "lc-poster")
    await page.click("[data-testid=customer-filters] button[type=submit]")
    await page.wait_for_url("**channel=lc-poster**")
    assert await listed(page) == ["wmLisiA"]  # wangwu's poster customer stays hidden

    # On a phone the page does not scroll sideways: the table scrolls inside its card.
    phone = await ui.login("boss", await ui.new_page(viewport={"width": 390, "height": 800}))
    for path in ("/admin/customers", "/admin/customers/wmLisiA"):
        await phone.goto(ui.url(path))
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
