"""合规审查 in a real browser: the alert queue and its filters, an alert's conversation and
review actions, false positives feeding the allow-list, the word library, action rules and
settings, statistics, and who may open these pages."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Page, expect

from scrm.compliance.scan import ArchivedMessage, store_and_scan
from scrm.models import (
    Alert,
    AllowPhrase,
    AuditLog,
    ComplianceRule,
    ComplianceSettings,
    Corp,
    Department,
    SensitiveWord,
    Staff,
)
from tests.compliance.test_review import word_alert
from tests.conftest import CORP_ID
from tests.e2e.conftest import UI
from tests.e2e.test_pickers import choose

NOW = datetime.now(UTC).replace(microsecond=0)


def _msg(msgid: str, sender: str, to: str, minutes: int, text: str) -> ArchivedMessage:
    return ArchivedMessage(
        msgid=msgid,
        sender=sender,
        receivers=[to],
        msgtime=NOW - timedelta(hours=3) + timedelta(minutes=minutes),
        text=text,
    )


async def seed(ui: UI) -> dict[str, int]:
    """Two words, a scanned chat (the alert's message among others) and a second staff
    member's alert; plus the review helper's alert for wangwu. Returns alert ids by name."""
    for word, category, severity in (("返现", "诱导", "high"), ("保本", "金融", "medium")):
        body = {"word": word, "category": category, "severity": severity}
        await ui.linked.api("POST", "/api/v1/compliance/words", body, status=201)
    corp = await Corp.get(corp_id=CORP_ID)
    messages = [
        _msg("c1", "wmCust1", "zhangsan", 0, "你好，想问下你们的活动"),
        _msg("c2", "zhangsan", "wmCust1", 1, "您好，请讲"),
        _msg("m1", "zhangsan", "wmCust1", 2, "加我微信返现给你，电话13812345678"),
        _msg("c3", "wmCust1", "zhangsan", 3, "好的谢谢"),
        _msg("m2", "lisi", "wmCust2", 5, "这个产品保本的"),
    ]
    result = await store_and_scan(corp.id, "sandbox", messages)
    assert result.alerts == 2
    ids = {a.msgid: a.id for a in await Alert.all()}
    return {"zhangsan": ids["m1"], "lisi": ids["m2"], "wangwu": await word_alert("wangwu", 9)}


async def shot(ui: UI, name: str, page: Page | None = None) -> None:
    """A full-page screenshot from the top (the sticky bar would sit mid-page otherwise)."""
    await (page or ui.page).evaluate("window.scrollTo(0, 0)")
    await ui.shot(name, page)


async def reload_after(page: Page, selector: str) -> None:
    """Click something whose API call reloads the page, and wait for the reload."""
    async with page.expect_navigation():
        await page.click(selector)


async def test_queue_filter_and_review_an_alert_with_its_conversation(ui: UI) -> None:
    ids = await seed(ui)
    page = await ui.login("admin")
    await page.click("nav [data-nav=compliance]")
    assert await page.text_content("h1") == "合规审查"
    rows = page.locator("[data-testid=alert-row]")
    # Newest first: wangwu's helper alert is a week older than the scanned chat.
    assert await rows.evaluate_all("rs => rs.map(r => +r.dataset.id)") == [
        ids["lisi"],
        ids["zhangsan"],
        ids["wangwu"],
    ]
    await shot(ui, "compliance-queue")

    await page.select_option("select[name=severity]", "high")
    await reload_after(page, "[data-testid=alert-filters] button[type=submit]")
    assert "severity=high" in page.url
    severities = await rows.evaluate_all("rs => rs.map(r => r.dataset.severity)")
    assert severities == ["high", "high"]
    await page.select_option("select[name=staff]", "zhangsan")
    await reload_after(page, "[data-testid=alert-filters] button[type=submit]")
    assert await rows.count() == 1

    await reload_after(page, f"[data-testid=alert-row][data-id='{ids['zhangsan']}'] a")
    assert await page.text_content("h1") == f"告警 #{ids['zhangsan']}"
    hit = await page.text_content("[data-testid=hit]") or ""
    assert "返现" in hit and "诱导" in hit
    chat = page.locator("[data-testid=conversation] li")
    assert await chat.evaluate_all("ls => ls.map(l => l.dataset.msgid)") == [
        "c1",
        "c2",
        "m1",
        "c3",
    ]
    matched = page.locator("[data-testid=matched-message]")
    assert await matched.get_attribute("data-msgid") == "m1"
    assert "138****5678" in (await matched.text_content() or "")
    assert "13812345678" not in (await page.content())
    assert await matched.locator("mark").all_text_contents() == ["返现"]
    assert await page.locator(".cx-msg.matched.staff").count() == 1  # staff side, highlighted
    await shot(ui, "compliance-alert")

    await reload_after(page, "[data-testid=acknowledge]")
    status = page.locator("[data-testid=alert-status]")
    assert await status.get_attribute("data-status") == "acknowledged"
    assert await status.text_content() == "已确认"
    assert await page.locator("[data-testid=acknowledge]").count() == 0

    await page.fill("[data-testid=comment-text]", "已电话联系张三")
    await reload_after(page, "[data-testid=comment-form] button[type=submit]")
    assert await page.text_content("[data-testid=comment]") is not None
    assert "已电话联系张三" in (await page.text_content("[data-testid=comments]") or "")

    await page.select_option("[data-testid=assign-form] select", "zhangsan")
    await reload_after(page, "[data-testid=assign-form] button[type=submit]")
    assert "zhangsan" in (await page.text_content("[data-testid=alert-assignee]") or "")

    await page.fill("[data-testid=resolve-form] textarea[name=note]", "已提醒规范用语")
    await reload_after(page, "[data-testid=resolve-form] button[type=submit]")
    assert await status.get_attribute("data-status") == "resolved"
    assert await status.text_content() == "已解决"
    trail = page.locator("[data-testid=audit-entry]")
    assert await trail.evaluate_all("es => es.map(e => e.dataset.action)") == [
        "acknowledge",
        "comment",
        "assign",
        "resolve",
    ]
    assert "已提醒规范用语" in (await trail.nth(3).text_content() or "")
    assert await page.locator("[data-testid=reopen]").count() == 1
    await shot(ui, "compliance-alert-resolved")

    alert = await Alert.get(id=ids["zhangsan"])
    assert alert.status == "resolved" and alert.assignee == "zhangsan" and alert.resolved_at
    logged = await AuditLog.filter(object_type="alert", object_id=str(alert.id)).order_by("id")
    assert [(x.actor, x.action) for x in logged] == [
        ("admin", "acknowledge"),
        ("admin", "comment"),
        ("admin", "assign"),
        ("admin", "resolve"),
    ]
    assert logged[-1].data["note"] == "已提醒规范用语"

    # The queue's default view is what still waits for a reviewer.
    await page.goto(ui.url("/admin/compliance"))
    listed = await rows.evaluate_all("rs => rs.map(r => +r.dataset.id)")
    assert ids["zhangsan"] not in listed and len(listed) == 2
    # A date range (the corp's local days): wangwu's alert of last week falls outside.
    await page.select_option("select[name=status]", "all")
    since = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=2)
    await page.fill("input[name=since]", since.isoformat())
    await reload_after(page, "[data-testid=alert-filters] button[type=submit]")
    listed = await rows.evaluate_all("rs => rs.map(r => +r.dataset.id)")
    assert listed == [ids["lisi"], ids["zhangsan"]]
    await page.goto(ui.url("/admin/compliance?status=all&until=9999-12-31&since=0001-01-01"))
    assert await rows.count() == 3
    await page.goto(ui.url("/admin/compliance?until=bogus"))
    assert "日期格式不对" in (await page.text_content("main") or "")


async def test_false_positive_feeds_the_allow_list(ui: UI) -> None:
    ids = await seed(ui)
    page = await ui.login("admin")
    await page.goto(ui.url(f"/admin/compliance/alerts/{ids['wangwu']}"))
    phrase = page.locator("[data-testid=allow-phrase-input]")
    assert await phrase.input_value() == "加我微信返现给你"  # the API's default, shown first
    await phrase.fill("别的话")  # does not contain the word: the API refuses, the page says so
    await page.click("[data-testid=false-positive-form] button[type=submit]")
    error = page.locator("[data-testid=false-positive-form] [data-error]")
    await error.filter(has_text="返现").wait_for()
    assert (await Alert.get(id=ids["wangwu"])).status == "open"

    await phrase.fill("返现给你")
    await page.fill("[data-testid=false-positive-form] input[name=note]", "正常返利活动")
    await reload_after(page, "[data-testid=false-positive-form] button[type=submit]")
    status = await page.get_attribute("[data-testid=alert-status]", "data-status")
    assert status == "false_positive"
    assert (await AllowPhrase.get()).phrase == "返现给你"

    # Another alert marked false positive without feeding the allow-list.
    await page.goto(ui.url(f"/admin/compliance/alerts/{ids['zhangsan']}"))
    await page.uncheck("[data-testid=allow-toggle]")
    assert await phrase.is_disabled()
    await reload_after(page, "[data-testid=false-positive-form] button[type=submit]")
    assert (await Alert.get(id=ids["zhangsan"])).status == "false_positive"
    assert await AllowPhrase.all().count() == 1

    await page.click("[data-tab=allow]")
    await page.wait_for_url("**/admin/compliance/allow")
    row = page.locator("[data-testid=allow-row]")
    assert await row.get_attribute("data-phrase") == "返现给你"
    assert f"#{ids['wangwu']}" in (await row.text_content() or "")


async def test_word_library_add_edit_search_and_import(ui: UI) -> None:
    corp = await Corp.get()
    for dept_id, name in ((2, "销售部"), (5, "华南大区")):
        await Department.create(corp_id=corp.id, dept_id=dept_id, name=name)
    page = await ui.login("admin")
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(ui.url("/admin/compliance/words"))
    await page.fill("[data-testid=word-input]", "代开发票")
    await page.fill("#word-form input[name=category]", "财务")
    await page.select_option("#word-form select[name=severity]", "critical")
    await page.check("#word-form input[value=staff_to_customer]")
    await page.select_option("#word-form select[name=scope_userids]", ["lisi"])
    # 适用部门 are picked by name (synced department names), sent as ids, listed by name.
    await choose(page, "[data-testid=picker-word-departments]", "销售", "销售部")
    await choose(page, "[data-testid=picker-word-departments]", "华南", "华南大区")
    await reload_after(page, "[data-testid=word-save]")
    row = page.locator("[data-testid=word-row][data-word=代开发票]")
    shown = await row.text_content() or ""
    assert "严重" in shown and "李四" in shown and "员工→客户" in shown
    assert "销售部、华南大区" in shown
    word = await SensitiveWord.get(word="代开发票")
    assert (word.category, word.severity) == ("财务", "critical")
    assert word.directions == ["staff_to_customer"]
    assert (word.scope_userids, word.scope_departments) == (["lisi"], [2, 5])

    # A word already in the library: the API's 409 shows in the form.
    await page.fill("[data-testid=word-input]", "代开发票")
    await page.click("[data-testid=word-save]")
    await page.locator("[data-testid=word-error]").filter(has_text="词库中已有这个词").wait_for()

    await row.locator("[data-cx-edit]").click()
    assert await page.input_value("[data-testid=word-input]") == "代开发票"
    await expect(page.locator("[data-testid=picker-word-departments] .pk-chip")).to_have_text(
        [re.compile("销售部"), re.compile("华南大区")]
    )
    assert await page.is_checked("#word-form input[value=staff_to_customer]")
    await page.select_option("#word-form select[name=severity]", "high")
    await page.uncheck("#word-form input[name=enabled]")
    await reload_after(page, "[data-testid=word-save]")
    await word.refresh_from_db()
    assert (word.severity, word.enabled, word.scope_departments) == ("high", False, [2, 5])

    await page.fill("[data-testid=import-lines]", "敏感词,分类,级别\n刷单,诱导,高\n套现\n")
    await reload_after(page, "[data-testid=import-form] button[type=submit]")
    result = await page.text_content("[data-testid=import-result]") or ""
    assert "新增 2" in result, result
    assert (await SensitiveWord.get(word="刷单")).severity == "high"
    assert await page.locator("[data-testid=word-row]").count() == 3
    await shot(ui, "compliance-words")

    await page.fill("[data-testid=word-filters] input[name=q]", "发票")
    await reload_after(page, "[data-testid=word-filters] button[type=submit]")
    assert await page.locator("[data-testid=word-row]").count() == 1
    await reload_after(page, "[data-testid=word-row] [data-api-delete]")
    assert not await SensitiveWord.exists(word="代开发票")
    assert await page.locator("[data-testid=word-row]").count() == 0


async def test_rules_show_api_errors_and_settings_save(ui: UI) -> None:
    page = await ui.login("admin")
    await page.goto(ui.url("/admin/compliance/rules"))
    assert await page.locator("[data-testid=default-rule]").count() == 5
    await page.fill("[data-testid=rule-threshold]", "-3")
    await page.click("[data-testid=rule-save]")
    error = page.locator("[data-testid=rule-error]")
    await error.filter(has_text="阈值").wait_for()
    shown = await error.text_content() or ""
    # Pydantic's English is said in Chinese (admin/api/validation_text.py).
    assert "应不小于 1" in shown and "greater than" not in shown
    assert await ComplianceRule.all().count() == 0
    await shot(ui, "compliance-rules")

    await page.select_option("#rule-form select[name=kind]", "customer_deleted_staff")
    await page.fill("[data-testid=rule-threshold]", "3")
    await reload_after(page, "[data-testid=rule-save]")
    assert await page.locator("[data-testid=rule-row]").count() == 1
    rule = await ComplianceRule.get()
    assert (rule.kind, rule.threshold, rule.window_minutes) == ("customer_deleted_staff", 3, 1440)
    await page.click("[data-testid=rule-row] [data-cx-edit]")
    await page.fill("#rule-form input[name=window_minutes]", "60")
    await reload_after(page, "[data-testid=rule-save]")
    await rule.refresh_from_db()
    assert (rule.threshold, rule.window_minutes) == (3, 60)

    await page.fill("[data-testid=timeout-minutes]", "45")
    await page.fill("input[name=hours-1]", "25:00-26:00")
    await page.click("[data-testid=settings-save]")
    await page.locator("[data-testid=settings-error]").filter(has_text="25:00").wait_for()
    await page.fill("input[name=hours-1]", "09:00-12:00, 13:00-18:00")
    await page.select_option("select[name=notify_userids]", ["wangwu"])
    await page.click("[data-testid=settings-save]")
    await page.locator("#toast.show").filter(has_text="设置已保存").wait_for()
    row = await ComplianceSettings.get()
    assert row.reply_timeout_minutes == 45 and row.notify_userids == ["wangwu"]
    assert row.working_hours == {"1": [["09:00", "12:00"], ["13:00", "18:00"]]}
    await page.reload()
    assert await page.input_value("input[name=hours-1]") == "09:00-12:00, 13:00-18:00"


async def test_statistics_charts(ui: UI) -> None:
    ids = await seed(ui)
    await ui.linked.api("POST", f"/api/v1/compliance/alerts/{ids['wangwu']}/false-positive")
    corp = await Corp.get()
    await Staff.filter(corp_id=corp.id, userid="zhangsan").update(department_ids=[2])
    await Staff.filter(corp_id=corp.id, userid="lisi").update(department_ids=[9])
    await Department.create(corp_id=corp.id, dept_id=2, name="销售部")
    page = await ui.login("admin")
    await page.goto(ui.url("/admin/compliance/stats"))
    teams = await page.text_content("[data-testid=stats-team]") or ""
    assert "销售部" in teams and "部门 9" in teams  # a department not synced yet: its number
    assert await page.text_content("[data-testid=stat-total]") == "3"
    assert await page.text_content("[data-testid=stat-false-positive]") == "1"
    for name in ("week", "staff", "word"):
        canvas = page.locator(f"[data-testid=chart-{name}]")
        await page.wait_for_function(
            "c => c.chart !== undefined", arg=await canvas.element_handle()
        )
    staff = await page.get_attribute("[data-testid=chart-staff]", "data-chart") or ""
    assert "张三" in staff and "李四" in staff and "王五" in staff
    words = page.locator("[data-testid=stats-word] tbody tr")
    assert "返现" in (await words.first.text_content() or "")
    week = json.loads(await page.get_attribute("[data-testid=chart-week]", "data-chart") or "")
    assert len(week["labels"]) == 12 and sum(week["series"][0]["data"]) == 3
    await shot(ui, "compliance-stats")


async def test_staff_are_refused_and_managers_see_their_team(ui: UI) -> None:
    ids = await seed(ui)
    staff = await ui.login("lisi", await ui.new_page())
    response = await staff.goto(ui.url("/admin/compliance"))
    assert response is not None and response.status == 403
    assert await staff.locator("[data-testid=forbidden]").count() == 1
    response = await staff.goto(ui.url(f"/admin/compliance/alerts/{ids['lisi']}"))
    assert response is not None and response.status == 403
    ops = await ui.login("ops", await ui.new_page())
    for path in ("/admin/compliance", f"/admin/compliance/alerts/{ids['lisi']}"):
        response = await ops.goto(ui.url(path))
        assert response is not None and response.status == 403
        assert await ops.locator("[data-testid=forbidden]").count() == 1

    boss = await ui.login("boss", await ui.new_page())
    await boss.goto(ui.url("/admin/compliance"))
    listed = await boss.locator("[data-testid=alert-row]").evaluate_all(
        "rs => rs.map(r => +r.dataset.id)"
    )
    assert listed == [ids["lisi"], ids["zhangsan"]]  # zhangsan himself and his team (lisi)
    assert await boss.locator("[data-tab=words]").count() == 0
    for missing in (ids["wangwu"], 2**64, "x"):
        response = await boss.goto(ui.url(f"/admin/compliance/alerts/{missing}"))
        assert response is not None and response.status == 404
    response = await boss.goto(ui.url("/admin/compliance/words"))
    assert response is not None and response.status == 403

    await boss.goto(ui.url(f"/admin/compliance/alerts/{ids['lisi']}"))
    await reload_after(boss, "[data-testid=acknowledge]")
    await boss.set_viewport_size({"width": 390, "height": 844})
    # On a phone nothing but the tables' own wrappers may scroll sideways.
    assert await boss.evaluate("document.documentElement.scrollWidth") <= 390
    await shot(ui, "compliance-alert-phone", boss)
    assert await boss.get_attribute("[data-testid=alert-status]", "data-status") == "acknowledged"
    logged = await AuditLog.get(object_type="alert", object_id=str(ids["lisi"]))
    assert logged.actor == "boss"
    await boss.goto(ui.url("/admin/compliance/stats"))
    assert await boss.text_content("[data-testid=stat-total]") == "2"
