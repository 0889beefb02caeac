"""群SOP pages in Chromium: build a plan, preview 30 days, refuse bad plans, edit, pause and
resume, the calendar, delivery stats, targets by group tag on a phone. (Journeys and the staff
refusal: test_sop_journeys.py.)"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Dialog, Page

from scrm.models import GroupChat, SopPlan, SopRun
from tests.e2e.conftest import UI

ZONE = ZoneInfo("Asia/Shanghai")  # the test corp's zone


async def accept(dialog: Dialog) -> None:
    await dialog.accept()


async def make_groups(ui: UI) -> tuple[list[str], str, date]:
    """Two groups of zhangsan and one of lisi, made in the sandbox and mirrored by the bot.
    Their creation is moved to tomorrow 07:00 so both steps (day 0 at 10:00, day 1 at 09:00)
    fall inside the next 30 days whatever the hour the test runs."""
    sandbox = ui.linked.sandbox
    zs = [
        (await sandbox.control("groups", {"owner": "zhangsan", "name": f"VIP张三群{i}"}))[
            "chat_id"
        ]
        for i in (1, 2)
    ]
    ls = (await sandbox.control("groups", {"owner": "lisi", "name": "李四的群"}))["chat_id"]
    await ui.linked.drain()
    tomorrow = datetime.now(ZONE).date() + timedelta(days=1)
    created = datetime.combine(tomorrow, time(7), tzinfo=ZONE)
    assert await GroupChat.filter(chat_id__in=[*zs, ls]).update(created_at=created) == 3
    await GroupChat.filter(chat_id=ls).update(tags=["高价值"])
    return zs, ls, tomorrow


def due(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour), tzinfo=ZONE).isoformat()


async def fill_step(page: Page, n: int, *, day: int, at: str, text: str, action: str) -> None:
    step = page.locator("[data-testid=step]").nth(n)
    await step.locator("[data-f=kind]").select_option("offset")
    await step.locator("[data-f=day]").fill(str(day))
    await step.locator("[data-f=at]").fill(at)
    await step.locator("[data-f=action]").select_option(action)
    await step.locator("[data-f=text]").fill(text)


async def errors_after_save(page: Page) -> str:
    await page.click("[data-testid=save-plan]")
    box = page.locator("[data-testid=plan-errors]")
    await box.wait_for(state="visible")
    return await box.inner_text()


async def test_build_preview_refuse_pause_calendar_and_stats(ui: UI) -> None:
    zs, ls, tomorrow = await make_groups(ui)
    page = await ui.login("ops")
    page.on("dialog", accept)
    await page.click("nav [data-nav=sop]")
    await page.click("[data-testid=new-plan]")
    await page.wait_for_selector("form[data-ready]")
    await page.fill("[data-testid=plan-name]", "新群两天培育")
    await page.check("[data-testid=owner-zhangsan]")
    assert "当前匹配 2 个群" in await page.inner_text("[data-testid=match-count]")
    await fill_step(page, 0, day=0, at="10:00", text="欢迎加入{群名}！", action="message")
    await page.click("[data-testid=add-step]")
    await fill_step(page, 1, day=1, at="09:00", text="请发起今日群打卡", action="reminder")
    await ui.shot("sop-builder")
    await page.click("[data-testid=save-plan]")
    await page.wait_for_url(re.compile(r"/admin/sop/\d+/preview$"))
    plan = await SopPlan.get(name="新群两天培育")
    assert plan.target["owners"] == ["zhangsan"]
    assert [s["action"] for s in plan.steps] == ["message", "reminder"]

    # The preview: zhangsan's two groups, day 0 at 10:00 and day 1 at 09:00; lisi's not.
    await page.wait_for_selector("[data-testid=preview-row]")
    rows = page.locator("[data-testid=preview-row]")
    got = {
        (await r.get_attribute("data-chat"), await r.get_attribute("data-due"))
        for r in await rows.all()
    }
    day1 = tomorrow + timedelta(days=1)
    assert got == {(c, due(tomorrow, 10)) for c in zs} | {(c, due(day1, 9)) for c in zs}
    assert await page.locator(f"[data-chat='{ls}']").count() == 0
    days = page.locator("[data-testid=preview-day]")
    assert [await d.get_attribute("data-day") for d in await days.all()] == [
        tomorrow.isoformat(),
        day1.isoformat(),
    ]
    assert "仅提醒群主" in await rows.nth(3).inner_text()
    await ui.shot("sop-preview")

    # Bad plans are refused with the reason beside the form; nothing is saved.
    await page.goto(ui.url("/admin/sop/new"))
    await page.wait_for_selector("form[data-ready]")
    await page.fill("[data-testid=plan-name]", "坏计划")
    await fill_step(page, 0, day=0, at="10:00", text="你好", action="message")
    assert "目标为空" in await errors_after_save(page)
    await page.check("[data-testid=owner-zhangsan]")
    await fill_step(page, 0, day=0, at="25:00", text="你好", action="message")
    text = await errors_after_save(page)
    assert "第 1 步" in text and "HH:MM（00:00–23:59）" in text, text
    assert "HH:MM" in await page.inner_text("[data-testid=step] .step-error")
    assert await SopPlan.filter(name="坏计划").count() == 0
    await ui.shot("sop-builder-errors")

    # Edit: the note says the future is re-planned; the builder previews the saved plan.
    await page.goto(ui.url(f"/admin/sop/{plan.id}/edit"))
    await page.wait_for_selector("form[data-ready]")
    assert "重新排期" in await page.inner_text("[data-testid=edit-note]")
    await page.click("[data-testid=show-preview]")
    await page.wait_for_selector("[data-testid=preview-panel] [data-testid=preview-row]")
    await fill_step(page, 1, day=1, at="09:30", text="请发起今日群打卡", action="reminder")
    await page.click("[data-testid=save-plan]")
    await page.wait_for_url(re.compile(r"/admin/sop/\d+/preview$"))
    await page.wait_for_selector(f"[data-due='{due(day1, 9)[:11]}09:30:00+08:00']")
    await plan.refresh_from_db()
    assert plan.version == 2 and plan.steps[1]["schedule"]["at"] == "09:30"

    # Pause, then resume, from the list.
    await page.goto(ui.url("/admin/sop"))
    row = page.locator(f"[data-testid=plan-row][data-plan='{plan.id}']")
    assert "张三" in await row.inner_text()
    assert await row.locator("[data-testid=next-due]").inner_text() == f"{tomorrow:%Y-%m-%d} 10:00"
    await ui.shot("sop-list")
    async with page.expect_navigation():
        await row.locator("[data-testid=pause]").click()
    assert await row.get_attribute("data-status") == "paused"
    assert (await SopPlan.get(id=plan.id)).status == "paused"
    async with page.expect_navigation():
        await row.locator("[data-testid=resume]").click()
    assert await row.get_attribute("data-status") == "active"
    assert (await SopPlan.get(id=plan.id)).status == "active"

    # The calendar: a month grid, navigable; both days carry zhangsan's two runs.
    await page.goto(ui.url("/admin/sop/calendar"))
    this_month = datetime.now(ZONE).strftime("%Y-%m")
    await page.wait_for_selector(f"#calendar[data-loaded='{this_month}']")
    label = await page.inner_text("[data-testid=cal-month]")
    await page.click("[data-testid=cal-next]")
    await page.wait_for_selector(f"#calendar:not([data-loaded='{this_month}'])")
    assert await page.inner_text("[data-testid=cal-month]") != label
    await page.goto(ui.url(f"/admin/sop/calendar?month={tomorrow:%Y-%m}"))
    await page.wait_for_selector(f"#calendar[data-loaded='{tomorrow:%Y-%m}']")
    cell = page.locator(f"[data-testid=cal-day][data-day='{tomorrow}']")
    assert await cell.get_attribute("data-runs") == "2"
    assert "新群两天培育 · s1 ×2" in await cell.inner_text()
    others = page.locator("[data-testid=cal-day]:not([data-runs='0'])")
    busy = [await c.get_attribute("data-day") for c in await others.all()]
    assert busy == [d.isoformat() for d in (tomorrow, day1) if d.month == tomorrow.month]
    await cell.click()
    runs = page.locator("[data-testid=cal-run]")
    assert sorted([await r.get_attribute("data-chat") or "" for r in await runs.all()]) == sorted(
        zs
    )
    await ui.shot("sop-calendar")

    # Delivery stats per step, from the runs' statuses.
    first = await SopRun.filter(plan_id=plan.id, step_id="s1").order_by("target_id")
    await SopRun.filter(id=first[0].id).update(status="sent")
    await SopRun.filter(id=first[1].id).update(status="failed")
    await page.goto(ui.url(f"/admin/sop/{plan.id}/stats"))
    s1 = page.locator("[data-testid=stats-row][data-step=s1]")
    await s1.wait_for()
    assert await s1.locator("[data-count=sent]").inner_text() == "1"
    assert await s1.locator("[data-count=failed]").inner_text() == "1"
    planned = await SopRun.filter(plan_id=plan.id, step_id="s2", status="planned").count()
    s2 = page.locator("[data-testid=stats-row][data-step=s2]")
    assert await s2.locator("[data-count=planned]").inner_text() == str(planned)
    spec = json.loads(await page.get_attribute("canvas[data-stats-chart]", "data-chart") or "{}")
    assert [label.split("（")[0] for label in spec["labels"]] == ["s1", "s2"]
    await ui.shot("sop-stats")
    for path in ("/admin/sop/99999999999999999999/edit", "/admin/sop/424242/stats"):
        resp = await page.goto(ui.url(path))
        assert resp is not None and resp.status == 404, path


async def test_builder_targets_by_group_tag_on_a_phone(ui: UI) -> None:
    zs, ls, tomorrow = await make_groups(ui)
    page = await ui.login("ops", await ui.new_page(viewport={"width": 390, "height": 844}))
    await page.goto(ui.url("/admin/sop/new"))
    await page.wait_for_selector("form[data-ready]")
    await page.fill("[data-testid=plan-name]", "高价值群直播")
    await page.click("[data-add-tag='高价值']")
    assert "当前匹配 1 个群" in await page.inner_text("[data-testid=match-count]")
    await page.fill("[data-testid=group-search]", "VIP张三群2")
    await page.click("[data-testid=choose-group]")
    assert await page.locator("[data-testid=chosen-group]").count() == 1
    assert "当前匹配 2 个群" in await page.inner_text("[data-testid=match-count]")
    await fill_step(page, 0, day=0, at="10:00", text="今晚直播，{群主}等你", action="message")
    add = page.locator("[data-add-att]")
    for _ in range(9):  # WeCom takes at most 9 attachments: the button stops there
        await add.click()
    assert await add.is_disabled()
    for _ in range(8):
        await page.locator("[data-remove-att]").last.click()
    await page.fill("[data-f='link.title']", "直播预约")
    await page.fill("[data-f='link.url']", "https://example.com/live")
    await ui.shot("sop-builder-phone", page)
    await page.click("[data-testid=save-plan]")
    await page.wait_for_url(re.compile(r"/admin/sop/\d+/preview$"))
    await page.wait_for_selector("[data-testid=preview-row]")
    chats = {
        await r.get_attribute("data-chat")
        for r in await page.locator("[data-testid=preview-row]").all()
    }
    assert chats == {ls, zs[1]}
    plan = await SopPlan.get(name="高价值群直播")
    (link,) = plan.steps[0]["attachments"]
    assert (link["msgtype"], link["link"]["url"]) == ("link", "https://example.com/live")
    assert plan.target == {
        "owners": [],
        "name_pattern": "",
        "tags": ["高价值"],
        "chat_ids": [zs[1]],
    }
