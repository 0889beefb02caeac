"""Logging in: the dashboard per role, lock-out, CSRF, and the menu each role sees."""

from __future__ import annotations

from tests.e2e.conftest import PASSWORD, UI


async def test_login_shows_dashboard_and_role_menu(ui: UI) -> None:
    page = await ui.login("admin")
    assert await page.text_content("h1") == "工作台"
    assert "管理员" in (await page.text_content("[data-testid=who]") or "")
    assert await page.locator("nav [data-nav=compliance]").count() == 1
    await ui.shot("dashboard")

    staff = await ui.login("lisi", await ui.new_page())
    assert await staff.locator("nav [data-nav=compliance]").count() == 0
    assert await staff.locator("nav [data-nav=customers]").count() == 1


async def test_wrong_passwords_lock_the_account(ui: UI) -> None:
    page = ui.page
    for _ in range(5):
        await page.goto(ui.url("/admin/login"))
        await page.fill("input[name=username]", "ops")
        await page.fill("input[name=password]", "wrong-password-1")
        await page.click("button[type=submit]")
    assert "锁定" in (await page.text_content("[data-testid=login-error]") or "")
    # The right password no longer helps while locked.
    await page.fill("input[name=username]", "ops")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    assert "锁定" in (await page.text_content("[data-testid=login-error]") or "")
    assert "/admin/login" in page.url


async def test_anonymous_pages_redirect_to_login(ui: UI) -> None:
    await ui.page.goto(ui.url("/admin/leads?x=1"))
    assert "/admin/login?next=" in ui.page.url
