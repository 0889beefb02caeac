"""Pickers in Chromium: names typed and chosen where forms used to ask for ids — a live code's
departments and tags, a new opportunity's lead, the lead to merge — and 新建商机 from a lead."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

from playwright.async_api import Locator, Page, expect

from scrm.models import Corp, Customer, Department, FollowRelation, Lead, Opportunity, Staff
from scrm.models.livecode import LiveCode
from tests.e2e.conftest import UI
from tests.e2e.test_livecodes import _fill_member, _mirrored_tag


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait (up to 5 s) for a write the page sent to land in the database."""
    for _ in range(50):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the page's write never arrived")


async def choose(page: Page, scope: str, typed: str, shown: str) -> None:
    """Type a name into the picker under `scope`, then click the suggestion showing `shown`."""
    await page.locator(scope).locator(".pk-input").first.fill(typed)
    await page.locator(f"[data-testid=picker-option]:has-text('{shown}')").first.click()


async def test_live_code_departments_and_tags_by_name(ui: UI) -> None:
    tag_id = await _mirrored_tag(ui)
    corp = await Corp.get()
    await Staff.filter(corp_id=corp.id, userid="lisi").update(department_ids=[5])
    await Department.create(corp_id=corp.id, dept_id=5, name="华南销售部")
    page = await ui.login("ops")
    await page.goto(ui.url("/admin/livecodes/new"))
    text = await page.inner_text("[data-testid=lc-form]")
    assert "部门ID" not in text and "标签ID" not in text
    await page.fill("[data-testid=lc-name-input]", "门店海报")
    await _fill_member(page, 0, "zhangsan", 5)
    # A department is found by a member in it and shown by its synced name, never a number.
    await choose(page, "[data-testid=picker-lc-departments]", "李四", "华南销售部")
    await choose(page, "[data-testid=picker-lc-tag-search]", "地", "地铁")
    chips = await page.inner_text("[data-testid=picker-lc-tag-search]")
    assert "地铁" in chips and tag_id not in chips
    await page.click("[data-testid=lc-save]")
    await page.wait_for_url(re.compile(r"/admin/livecodes/\d+$"))
    code = await LiveCode.get(name="门店海报")
    assert (code.departments, code.tag_ids) == ([5], [tag_id])

    # Editing shows the stored ids by name again.
    await page.goto(ui.url(f"/admin/livecodes/{code.id}/edit"))
    await expect(page.locator("[data-testid=picker-lc-departments] .pk-chip")).to_have_text(
        re.compile(r"华南销售部")
    )


async def fill_gate(form: Locator) -> None:
    """The first stage's required fields, which a new deal's form asks for."""
    for field, value in (
        ("next_step", "约客户演示"),
        ("next_step_date", "2026-12-20"),
        ("decision_maker", "王总"),
    ):
        await form.locator(f"[data-gate={field}]").fill(value)


async def test_opportunity_lead_and_merge_pick_by_name(ui: UI) -> None:
    corp = await Corp.get()
    mine = await Lead.create(corp_id=corp.id, name="赵六", owner_userid="lisi", grade="A")
    twin = await Lead.create(corp_id=corp.id, name="赵六（重复）", owner_userid="lisi")
    await Lead.create(corp_id=corp.id, name="赵七", owner_userid="wangwu")  # not lisi's
    page = await ui.login("lisi")
    await page.goto(ui.url("/admin/opportunities"))
    await page.locator("[data-testid=opp-create-box] summary").click()
    create = page.locator("[data-testid=opp-create]")
    await create.locator("[name=name]").fill("赵六的订阅")
    await create.locator(".pk-input").fill("赵")
    options = page.locator("[data-testid=picker-option]")
    await expect(options.first).to_be_visible()
    assert "赵七" not in await page.inner_text(".pk-list")  # someone else's lead stays hidden
    await options.filter(has_text=re.compile(r"^赵六(?!（)")).click()
    await fill_gate(create)
    await create.locator("button[type=submit]").click()
    await until(lambda: Opportunity.exists(name="赵六的订阅"))
    assert (await Opportunity.get(name="赵六的订阅")).lead_id == mine.id

    # 新建商机 from the lead: the kanban's form opens with that lead chosen.
    await page.goto(ui.url(f"/admin/leads/{twin.id}"))
    await page.click("[data-testid=lead-new-opp]")
    await expect(page.locator("[data-testid=picker-opp-lead] .pk-chip")).to_contain_text(
        "赵六（重复）"
    )
    await fill_gate(page.locator("[data-testid=opp-create]"))
    await page.locator("[data-testid=opp-create] button[type=submit]").click()
    await until(lambda: Opportunity.exists(lead_id=twin.id))

    # A manager merges the duplicate by name.
    boss = await ui.new_page()
    await ui.login("boss", boss)
    await boss.goto(ui.url(f"/admin/leads/{mine.id}"))
    await choose(boss, "[data-testid=merge-form]", "重复", "赵六（重复）")
    await boss.click("[data-testid=merge-form] button[type=submit]")
    await until(lambda: Lead.exists(id=twin.id, merged_into_id=mine.id))


async def test_new_opportunity_from_the_customer_360(ui: UI) -> None:
    corp = await Corp.get()
    lisi = await Staff.get(corp_id=corp.id, userid="lisi")
    customer = await Customer.create(corp_id=corp.id, external_userid="wm360", name="钱多多")
    await FollowRelation.create(corp_id=corp.id, staff=lisi, customer=customer)
    lead = await Lead.create(
        corp_id=corp.id, customer=customer, external_userid="wm360", name="钱多多",
        owner_userid="lisi",
    )  # fmt: skip
    page = await ui.login("lisi")
    await page.goto(ui.url("/admin/customers/wm360"))
    await page.click("[data-testid=customer-new-opp]")
    await page.wait_for_url("**/admin/opportunities?new=1*")
    create = page.locator("[data-testid=opp-create]")
    assert await create.locator("[name=name]").input_value() == "钱多多 的商机"
    await expect(page.locator("[data-testid=picker-opp-lead] .pk-chip")).to_contain_text("钱多多")
    await fill_gate(create)
    await create.locator("button[type=submit]").click()
    await until(lambda: Opportunity.exists(lead_id=lead.id, owner_userid="lisi"))
