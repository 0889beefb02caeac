"""客户转接 in the browser: 在职转接 with a refusal, 离职继承 of customers and a group after a
resignation, 转接记录, and 流失客户 with a re-engagement task — each action audited."""

from __future__ import annotations

from playwright.async_api import expect

from scrm.models import (
    AuditLog,
    FollowRelation,
    Handover,
    Segment,
    Tag,
    Task,
    TransferSettings,
)
from tests.e2e.conftest import UI
from tests.transfers.conftest import DAY, seed_friends


async def accept_dialogs(page) -> None:  # type: ignore[no-untyped-def]
    page.on("dialog", lambda dialog: dialog.accept())


async def test_onjob_transfer_in_the_browser(ui: UI) -> None:
    linked = ui.linked
    a, b = await seed_friends(linked, "zhangsan", ["甲客户", "乙客户"])
    tag = await Tag.create(
        corp_id=(await FollowRelation.first()).corp_id, tag_id="et1", name="VIP"
    )  # type: ignore[union-attr]
    await FollowRelation.filter(customer__external_userid=a).update(tag_ids=[tag.tag_id])
    await Segment.create(
        corp_id=tag.corp_id,  # type: ignore[attr-defined]
        name="非VIP",
        conditions={"tags": {"mode": "none", "ids": ["et1"]}},
    )
    page = await ui.login("admin")
    await accept_dialogs(page)
    await page.goto(ui.url("/admin/transfers"))
    assert await page.text_content("h1") == "在职转接"
    await page.select_option("[data-testid=onjob-from]", "zhangsan")
    await page.select_option("[data-testid=onjob-tag]", "et1")  # a segment: VIP only
    async with page.expect_navigation():
        await page.click("[data-testid=onjob-show]")
    rows = page.locator("[data-testid=onjob-row]")
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("甲客户")
    await page.select_option("[data-testid=onjob-tag]", "")
    await page.select_option("[data-testid=onjob-segment]", label="非VIP")  # a saved 客户分群
    async with page.expect_navigation():
        await page.click("[data-testid=onjob-show]")
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("乙客户")
    await page.select_option("[data-testid=onjob-segment]", "")
    async with page.expect_navigation():
        await page.click("[data-testid=onjob-show]")
    await expect(rows).to_have_count(2)
    # Nothing picked: refused in the page, WeCom not asked.
    await page.select_option("[data-testid=onjob-to]", "lisi")
    await page.click("[data-testid=onjob-submit]")
    await expect(page.locator("#toast")).to_contain_text("请先选择")
    await page.check("[data-check-all]")
    await page.fill("[data-testid=onjob-message]", "您好，我是李四，之后由我为您服务")
    await page.click("[data-testid=onjob-submit]")
    await expect(page.locator("[data-testid=onjob-result]")).to_contain_text("已提交 2 位客户")
    assert {h.external_userid for h in await Handover.filter(status="waiting")} == {a, b}

    await linked.sandbox.control("transfers/refuse", {"external_userid": b})
    await linked.drain()
    await linked.sandbox.control("clock", {"advance": DAY})
    await page.reload()
    async with page.expect_navigation():
        await page.click("[data-testid=onjob-poll]")
    done = page.locator("[data-testid=transfer-row][data-status=done]")
    await expect(done).to_have_count(1)
    await expect(done).to_contain_text("甲客户")
    await expect(page.locator("[data-testid=transfer-row][data-status=refused]")).to_contain_text(
        "客户拒绝"
    )
    # 乙 stays with 张三 and may be tried again; 甲 is no longer 张三's customer.
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("乙客户")
    await ui.shot("transfers-onjob")
    paths = [row.data.get("path") for row in await AuditLog.all()]
    assert "/api/v1/transfers/onjob" in paths and "/api/v1/transfers/poll" in paths


async def test_resigned_customers_and_group_assigned_in_the_browser(ui: UI) -> None:
    linked = ui.linked
    exts = await seed_friends(linked, "wangwu", ["丙客户", "丁客户"])
    chat = (await linked.sandbox.control("groups", {"owner": "wangwu", "name": "王五的群"}))[
        "chat_id"
    ]
    await linked.sandbox.control("staff/wangwu/resign")
    await linked.drain()
    page = await ui.login("admin")
    await accept_dialogs(page)
    await page.goto(ui.url("/admin/transfers/resigned"))
    rows = page.locator("[data-testid=resigned-row]")
    await expect(rows).to_have_count(2)
    await page.check("#resigned-form [data-check-all]")
    await page.select_option("[data-testid=resigned-to]", ["zhangsan", "lisi"])
    await page.click("[data-testid=resigned-submit]")
    await expect(page.locator("[data-testid=resigned-result]")).to_contain_text("已提交 2 位客户")
    takers = {h.external_userid: h.takeover_userid for h in await Handover.filter(kind="resigned")}
    assert set(takers) == set(exts) and set(takers.values()) == {"zhangsan", "lisi"}

    await page.check("[data-testid=resigned-group]")
    await page.select_option("[data-testid=resigned-group-to]", "lisi")
    async with page.expect_navigation():
        await page.click("[data-testid=resigned-group-submit]")
    await expect(page.locator("[data-testid=resigned-group]")).to_have_count(0)
    await expect(rows).to_have_count(0)  # WeCom lists none of them while they move

    await linked.sandbox.control("clock", {"advance": DAY})
    await page.goto(ui.url("/admin/transfers/records?kind=resigned"))
    async with page.expect_navigation():
        await page.click("text=刷新进度")
    done = page.locator("[data-testid=transfer-row][data-status=done]")
    await expect(done).to_have_count(3)
    await expect(page.locator("[data-testid=transfer-rows]")).to_contain_text("客户群「王五的群」")
    assert (await Handover.get(chat_id=chat)).status == "done"
    await ui.shot("transfers-resigned")


async def test_lost_customers_page(ui: UI) -> None:
    linked = ui.linked
    from tests.livecode.conftest import AUTH
    from tests.livecode.test_api import SPEC

    resp = await linked.bot.post("/api/v1/livecodes", json=SPEC, headers=AUTH)
    assert resp.status == 201
    a, b = await seed_friends(linked, "zhangsan", ["戊客户", "辛客户"])
    for ext in (a, b):
        await linked.sandbox.control(
            "customer_deletes_staff", {"userid": "zhangsan", "external_userid": ext}
        )
    await linked.drain()
    boss = await ui.login("boss")  # 张三's login as manager
    await accept_dialogs(boss)
    await boss.click("nav [data-nav=transfers]")
    await expect(boss.locator("[data-testid=lost-row]")).to_have_count(2)
    row = boss.locator(f"[data-testid=lost-row][data-ext={a}]")
    await expect(row).to_contain_text("戊客户")
    await expect(row).to_contain_text("40 天")
    async with boss.expect_navigation():
        await row.locator("[data-testid=lost-reengage]").click()
    await expect(boss.locator("[data-testid=lost-task-made]")).to_have_count(1)
    assert (await Task.get(external_userid=a)).assignee == "zhangsan"
    # 辛: the member is asked to send a live code by phone or SMS so the customer re-adds.
    other = boss.locator(f"[data-testid=lost-row][data-ext={b}]")
    async with boss.expect_navigation():
        await other.locator("[data-testid=lost-readd] button").click()
    await expect(boss.locator("[data-testid=lost-task-made]")).to_have_count(2)
    assert "门店海报" in (await Task.get(external_userid=b)).title

    staff = await ui.login("lisi", await ui.new_page())
    await staff.goto(ui.url("/admin/transfers/lost"))
    await expect(staff.locator("[data-testid=lost-row]")).to_have_count(0)  # not 李四's
    assert await staff.locator("[data-testid=transfer-tabs] >> text=在职转接").count() == 0

    admin = await ui.login("admin", await ui.new_page())
    await admin.goto(ui.url("/admin/transfers/lost"))
    await admin.check("[data-testid=churn-manager]")
    await admin.click("[data-testid=churn-save]")
    await expect(admin.locator("#toast")).to_contain_text("设置已保存")
    assert (await TransferSettings.get()).churn_notify_manager is True


async def test_a_saved_rule_assigns_in_the_browser(ui: UI) -> None:
    linked = ui.linked
    from scrm.models import Staff

    await Staff.filter(userid="wangwu").update(manager_userid="lisi")
    (ext,) = await seed_friends(linked, "wangwu", ["己客户"])
    await linked.sandbox.control("staff/wangwu/resign")
    await linked.drain()
    page = await ui.login("admin")
    await accept_dialogs(page)
    await page.goto(ui.url("/admin/transfers/resigned"))
    await page.fill("[data-testid=rule-name]", "交给主管")
    await page.check("[data-testid=rule-manager]")
    async with page.expect_navigation():
        await page.click("[data-testid=rule-save]")
    await expect(page.locator("[data-testid=rule-row]")).to_contain_text("交给原成员的主管")
    await page.check("#resigned-form [data-check-all]")
    await page.select_option("[data-testid=resigned-rule]", label="交给主管")
    await page.click("[data-testid=resigned-submit]")
    await expect(page.locator("[data-testid=resigned-result]")).to_contain_text("已提交 1 位客户")
    assert (await Handover.get(external_userid=ext)).takeover_userid == "lisi"
    paths = [row.data.get("path") for row in await AuditLog.all()]
    assert "/api/v1/transfer-rules" in paths and "/api/v1/transfers/resigned" in paths
