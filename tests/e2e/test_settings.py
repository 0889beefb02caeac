"""设置 in the browser: a new login that works, the staff sync's progress bar, a tag made in
WeCom, the recycling change in the audit log, write-only corp secrets, and staff kept out."""

from __future__ import annotations

from playwright.async_api import Dialog, Page

from scrm.models import AdminUser, AssignmentRule, Corp
from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN
from tests.e2e.conftest import UI


def accept_dialogs(page: Page) -> None:
    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.on("dialog", accept)


async def shot(ui: UI, page: Page, name: str) -> None:
    # From the top: a full-page capture of a scrolled page paints the sticky bar mid-page.
    await page.evaluate("window.scrollTo(0, 0)")
    await ui.shot(name, page)


async def log_in(ui: UI, page: Page, username: str, password: str) -> None:
    await page.goto(ui.url("/admin/login"))
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")


async def test_admin_creates_a_login_that_works(ui: UI) -> None:
    page = await ui.login("admin")
    await page.goto(ui.url("/admin/settings/users"))
    form = page.locator("[data-testid=user-new]")
    await form.locator("input[name=username]").fill("xiaoli")
    await form.locator("input[name=display_name]").fill("小李")
    await form.locator("input[name=password]").fill("Li-pass-2026")
    await form.locator("select[name=role]").select_option("staff")
    await form.locator("select[name=userid]").select_option("lisi")
    await form.locator("[data-testid=user-create]").click()
    row = page.locator("[data-user=xiaoli]")
    await row.wait_for()
    assert "李四" in (await row.text_content() or "")
    assert "正常" in (await row.locator("[data-testid=user-state]").text_content() or "")
    await shot(ui, page, "settings-users")

    other = await ui.new_page()
    await log_in(ui, other, "xiaoli", "Li-pass-2026")
    await other.wait_for_url("**/admin/")
    assert "xiaoli" in (await other.text_content("[data-testid=who]") or "")
    assert await other.locator("nav [data-nav=settings]").count() == 0

    # Disabled, the login stops working.
    accept_dialogs(page)
    await row.locator("[data-testid=user-disable]").click()
    await page.locator("[data-user=xiaoli] >> text=已停用").wait_for()
    assert not (await AdminUser.get(username="xiaoli")).active
    third = await ui.new_page()
    await log_in(ui, third, "xiaoli", "Li-pass-2026")
    assert "用户名或密码错误" in (await third.text_content("[data-testid=login-error]") or "")


async def test_staff_sync_shows_progress_and_new_members(ui: UI) -> None:
    sandbox = ui.linked.sandbox
    await sandbox.control("staff", {"userid": "zhaoliu", "name": "赵六", "department": [1, 2]})
    await sandbox.control("staff", {"userid": "sunqi", "name": "孙七", "department": [2]})
    page = await ui.login("admin")
    await page.goto(ui.url("/admin/settings/staff"))
    assert await page.locator("[data-userid=zhaoliu]").count() == 0
    bar = page.locator("[data-testid=sync-progress]")
    assert await bar.is_hidden()

    await page.click("[data-testid=staff-sync]")
    await page.wait_for_function(
        "document.querySelector('[data-testid=sync-progress]').dataset.state === 'done'"
    )
    assert await bar.locator("progress").get_attribute("value") == "100"
    assert await bar.evaluate("b => b.querySelector('progress').value") == 100
    assert "新增 2" in (await bar.text_content() or "")
    # The table is refreshed in place, with both new members.
    await page.locator("[data-testid=staff-table] [data-userid=zhaoliu]").wait_for()
    sunqi = page.locator("[data-userid=sunqi]")
    assert "孙七" in (await sunqi.text_content() or "") and "在职" in (
        await sunqi.text_content() or ""
    )
    # Departments by the names the same sync read from department/list.
    assert "总部、销售部" in (await page.locator("[data-userid=zhaoliu]").text_content() or "")
    assert "销售部" in (await sunqi.text_content() or "")
    await shot(ui, page, "settings-staff-sync")


async def test_tag_is_created_in_wecom(ui: UI) -> None:
    page = await ui.login("admin")
    accept_dialogs(page)
    await page.goto(ui.url("/admin/settings/tags"))
    form = page.locator("[data-testid=tag-new]")
    await form.locator("input[name=group_name]").fill("客户等级")
    await form.locator("input[name='names[]']").fill("高意向")
    await form.locator("button[type=submit]").click()
    await page.locator("[data-group=客户等级] [data-tag=高意向]").wait_for()
    listed = await ui.linked.client.get_corp_tags()
    assert [(g.group_name, [t.name for t in g.tag]) for g in listed.tag_group] == [
        ("客户等级", ["高意向"])
    ]

    # A second tag into the existing group: the new-group field goes away when one is picked.
    await form.locator("select[name=group_id]").select_option(label="客户等级")
    assert await form.locator("input[name=group_name]").is_hidden()
    await form.locator("input[name='names[]']").fill("低意向")
    await form.locator("button[type=submit]").click()
    await page.locator("[data-group=客户等级] [data-tag=低意向]").wait_for()
    assert await page.locator("[data-group=客户等级] [data-tag=高意向]").count() == 1

    await page.locator("[data-tag=高意向] [data-testid=tag-delete]").click()
    await page.locator("[data-tag=高意向]").wait_for(state="detached")
    listed = await ui.linked.client.get_corp_tags()
    assert [t.name for g in listed.tag_group for t in g.tag] == ["低意向"]


async def test_recycling_change_shows_in_the_audit_log(ui: UI) -> None:
    page = await ui.login("admin")
    await page.goto(ui.url("/admin/settings/rules"))
    recycle = page.locator("[data-testid=recycle-A]")
    assert await recycle.input_value() == "3"
    await recycle.fill("5")
    async with page.expect_response(
        lambda r: r.url.endswith("/api/v1/lead-settings") and r.request.method == "PUT"
    ) as saved:
        await page.click("[data-testid=lead-settings-save]")
    assert (await saved.value).status == 200
    await page.wait_for_load_state("load")
    await page.locator("[data-testid=recycle-A][value='5']").wait_for()

    # An assignment rule and a scoring rule from their forms, then the re-score with its bar.
    await page.click("[data-testid=assignment-new] >> xpath=.. >> summary")
    assign = page.locator("[data-testid=assignment-new]")
    await assign.locator("input[name=name]").fill("上海线索给李四")
    await assign.locator("select[name=members]").select_option(["lisi"])
    await assign.locator("input[name='cond.city']").fill("上海")
    await assign.locator("input[name='weights.lisi']").fill("3")
    await assign.locator("button[type=submit]").click()
    row = page.locator("[data-testid=assignment-rules] [data-rule=上海线索给李四]")
    await row.wait_for()
    assert "李四" in (await row.text_content() or "")
    assert await row.locator("[data-testid=rule-conditions]").inner_text() == "城市是 上海"
    rule = await AssignmentRule.get(name="上海线索给李四")  # no JSON typed, no userid typed
    assert (rule.conditions, rule.weights) == ({"city": ["上海"]}, {"lisi": 3})

    for city in ("上海", "北京"):
        await ui.linked.api("POST", "/api/v1/leads", {"name": "客户", "city": city}, 201)
    await page.click("[data-testid=scoring-new] >> xpath=.. >> summary")
    rule = page.locator("[data-testid=scoring-new]")
    await rule.locator("input[name=name]").fill("上海客户")
    await rule.locator("input[name=field]").fill("city")
    await rule.locator("input[name=value]").fill("上海")
    await rule.locator("input[name=points]").fill("30")
    await rule.locator("button[type=submit]").click()
    await page.locator("[data-testid=scoring-rules] [data-rule=上海客户]").wait_for()
    await page.click("[data-testid=rescore]")
    await page.wait_for_function(
        "document.querySelector('[data-testid=rescore-progress]').dataset.state === 'done'"
    )
    done = await page.text_content("[data-testid=rescore-progress]") or ""
    assert "2 条线索，1 条分数或等级有变化" in done, done
    assert (
        await page.eval_on_selector("[data-testid=rescore-progress] progress", "p => p.value")
        == 100
    )

    await shot(ui, page, "settings-rules")

    await page.goto(ui.url("/admin/settings/audit"))
    await page.select_option("select[name=object_type]", "lead-settings")
    await page.click("[data-testid=audit-filters] button[type=submit]")
    await page.wait_for_url("**object_type=lead-settings**")
    entry = page.locator("[data-object=lead-settings]")
    assert await entry.count() == 1
    assert "admin" in (await entry.text_content() or "")
    await entry.locator("[data-testid=audit-detail] > summary").click()
    change = entry.locator("[data-path='recycle_days.A']")
    assert await change.locator(".st-before").text_content() == "3"
    assert await change.locator(".st-after").text_content() == "5"
    assert await entry.locator("[data-path='recycle_days.S']").count() == 0
    await shot(ui, page, "settings-audit")


async def test_corp_form_never_shows_the_secret(ui: UI) -> None:
    page = await ui.login("admin")
    accept_dialogs(page)
    await page.goto(ui.url("/admin/settings"))
    html = await page.content()
    assert SECRET not in html and AES_KEY not in html and TOKEN not in html
    row = page.locator(f"[data-corp={CORP_ID}]")
    assert "Secret 已设置" in (await row.text_content() or "")
    await page.click(f"[data-testid=corp-edit-{CORP_ID}]")
    form = page.locator(f"[data-testid=corp-form-{CORP_ID}]")
    for name in ("secret", "token", "aes_key"):
        field = form.locator(f"input[name={name}]")
        assert await field.input_value() == ""
        assert await field.get_attribute("placeholder") == "已设置（留空则不修改）"
    await form.locator("input[name=name]").fill("总部")
    await form.locator("button[type=submit]").click()
    await page.locator(f"[data-corp={CORP_ID}] >> text=总部").wait_for()
    corp = await Corp.get(corp_id=CORP_ID)
    assert (corp.name, corp.secret, corp.aes_key) == ("总部", SECRET, AES_KEY)
    assert SECRET not in await page.content()

    # A wrong AES key is refused with the reason, and nothing changes.
    await page.click(f"[data-testid=corp-edit-{CORP_ID}]")
    await form.locator("input[name=aes_key]").fill("short")
    await form.locator("button[type=submit]").click()
    await page.locator("#toast.error >> text=43").wait_for()
    assert (await Corp.get(corp_id=CORP_ID)).aes_key == AES_KEY


async def test_staff_are_kept_out(ui: UI) -> None:
    page = await ui.login("lisi")
    response = await page.goto(ui.url("/admin/settings"))
    assert response is not None and response.status == 403
    assert await page.locator("[data-testid=forbidden]").count() == 1
    status = await page.evaluate(
        """async () => {
            try {
                await SCRM.api("POST", "/api/v1/admin-users",
                    {username: "evil", password: "Evil-pass-1", role: "admin"});
                return 200;
            } catch (e) { return e.status; }
        }"""
    )
    assert status == 403
    assert not await AdminUser.exists(username="evil")


async def test_settings_fit_a_phone(ui: UI) -> None:
    phone = await ui.new_page(viewport={"width": 390, "height": 844})
    await ui.login("admin", phone)
    for path in ("/admin/settings", "/admin/settings/users", "/admin/settings/rules"):
        await phone.goto(ui.url(path))
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, (path, width)
