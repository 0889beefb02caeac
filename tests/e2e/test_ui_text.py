"""Issue 18, the finished-Chinese-product half: one test per item, each failing on the code
before it (English keys and raw codes, two clocks, numbers that disagree, one-click critical
resolutions, an API-log audit trail, dead ends and phone layout)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.async_api import expect

from livecode.common import local_now
from scrm.models import Alert, Corp, FollowUp, Lead, LeadActivity
from scrm.models.livecode import LiveCode, LiveCodeAdd, LiveCodeMember
from tests.conftest import CORP_ID
from tests.e2e.conftest import UI
from tests.leads.customer_seed import seed_customers

AT = datetime(2026, 12, 3, 18, 40, tzinfo=UTC)  # 2026-12-04 02:40 in Asia/Shanghai
SHOWN = "2026-12-04 02:40"


async def test_labels_are_chinese_and_every_time_is_on_the_corp_clock(ui: UI) -> None:
    seeded = await seed_customers(ui.linked)
    lead = seeded.lead
    await ui.linked.api(
        "POST",
        "/api/v1/opportunities",
        {"name": "门店年度订阅", "owner_userid": "lisi", "amount": 2_000_000, "lead_id": lead.id},
        status=201,
    )
    for kind in ("sla_breach", "wecom_add"):
        await LeadActivity.create(corp_id=seeded.corp.id, lead=lead, kind=kind, at=AT, data={})
    await Lead.filter(id=lead.id).update(platform="wecom", last_followup_at=AT)
    # The browser runs in UTC: a page that formats in the browser's zone would show 18:40.
    page = await ui.login("lisi", await ui.new_page(timezone_id="UTC"))

    await page.goto(ui.url(f"/admin/leads/{lead.id}"))
    facts = await page.text_content("[data-testid=lead-facts]") or ""
    assert SHOWN in facts and "18:40" not in facts
    assert "企业微信" in (await page.text_content("[data-testid=lead-source]") or "")
    acts = await page.text_content("[data-testid=lead-activities]") or ""
    assert "首次响应超时" in acts and "添加企业微信" in acts
    assert "sla_breach" not in acts and "行为：" not in acts and SHOWN in acts
    await ui.shot("ui-lead", page)

    await page.goto(ui.url("/admin/customers/wmLisiA"))
    assert await page.text_content("[data-testid=opp-stage]") == "资格确认"
    assert await page.text_content("[data-testid=opp-amount]") == "¥20,000"
    line = await page.text_content("[data-testid=customer-timeline]") or ""
    assert "→ 资格确认" in line and "首次响应超时" in line and SHOWN in line
    assert (
        "Qualification" not in line and "lead." not in line and "CNY" not in await page.content()
    )
    await ui.shot("ui-customer", page)

    await page.goto(ui.url("/sidebar/?external_userid=wmLisiA"))
    await expect(page.locator("#card")).to_be_visible()
    assert await page.text_content("#channel") == "门店海报"  # the live code's name, not its state
    assert SHOWN in (await page.text_content("#timeline") or "")

    # CSV: Chinese headers are understood, a 7-digit number is refused, in Chinese.
    boss = await ui.login("boss", await ui.new_page())
    await boss.goto(ui.url("/admin/leads/import"))
    await boss.fill("[data-testid=csv-text]", "姓名,手机号\n张三,13800138000\n短号,1380000\n")
    await boss.click("[data-testid=dry-run]")
    await boss.wait_for_selector("[data-testid=dry-result]:not([hidden])")
    assert await boss.text_content("[data-testid=dry-create]") == "1"
    assert await boss.text_content("[data-testid=dry-reject]") == "1"
    rejected = boss.locator("[data-testid=dry-lines] tr[data-outcome=reject]")
    assert "不是有效号码" in (await rejected.text_content() or "")
    assert await boss.input_value("[data-testid=csv-channel]") == "批量导入"
    await boss.fill("[data-testid=csv-text]", "foo,bar\n1,2\n")
    await boss.click("[data-testid=dry-run]")
    await expect(boss.locator("#toast")).to_contain_text("表头至少要有一列")


async def test_numbers_agree(ui: UI) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    code = await LiveCode.create(corp_id=corp.id, name="门店海报", state="lc-numbers")
    await LiveCodeMember.create(corp_id=corp.id, code_id=code.id, userid="zhangsan", adds_total=2)
    today = local_now(corp).date()
    for i in range(3):
        await LiveCodeAdd.create(
            corp_id=corp.id,
            code_id=code.id,
            userid="zhangsan",
            external_userid=f"wmN{i}",
            added_at=datetime.now(UTC),
            day=today,
        )
    page = await ui.login("ops")
    await page.goto(ui.url(f"/admin/livecodes/{code.id}"))
    row = page.locator("[data-testid=lc-member-stat][data-userid=zhangsan] td")
    today_n, total_n = int(await row.nth(2).inner_text()), int(await row.nth(4).inner_text())
    assert today_n == 3 and total_n >= today_n

    # A manager's funnel counts what their lead list shows: the team's and 公海, not all.
    for owner, pool in (("lisi", False), ("zhangsan", False), ("", True), ("wangwu", False)):
        await Lead.create(
            corp_id=corp.id,
            name=f"线索{owner or '公海'}",
            owner_userid=owner,
            in_pool=pool,
            phone=None,
        )
    boss = await ui.login("boss", await ui.new_page())
    await boss.goto(ui.url("/admin/leads?tab=all"))
    listed = await boss.text_content("[data-tab=all] .badge")
    await boss.goto(ui.url("/admin/"))
    assert await boss.text_content("[data-testid=funnel-leads]") == listed == "3"
    assert await boss.text_content("[data-testid=funnel-scope]") == "本团队及公海"
    await ui.shot("ui-dashboard", boss)

    # A follow-up written in the sidebar is logged on the customer and the lead: shown once.
    seeded = await seed_customers(ui.linked)
    at = datetime.now(UTC).replace(microsecond=0)
    note = "电话确认了报价细节"
    await FollowUp.create(
        corp_id=corp.id, userid="lisi", external_userid="wmLisiA", note=note, at=at
    )
    await LeadActivity.create(
        corp_id=corp.id,
        lead=seeded.lead,
        kind="followup",
        actor="lisi",
        data={"note": note},
        at=at,
    )
    staff = await ui.login("lisi", await ui.new_page())
    await staff.goto(ui.url("/admin/customers/wmLisiA"))
    assert (await staff.text_content("[data-testid=customer-timeline]") or "").count(note) == 1


async def _alert(corp_id: int, n: int, severity: str = "critical") -> Alert:
    return await Alert.create(
        corp_id=corp_id,
        kind="word",
        severity=severity,
        staff_userid="lisi",
        word="返现",
        context=f"加微信返现{n}",
        occurred_at=datetime.now(UTC) - timedelta(minutes=n),
        dedup_key=f"ui-text-{n}",
    )


async def test_critical_alerts_need_a_note_and_a_confirmation_and_the_queue_has_bulk(
    ui: UI,
) -> None:
    corp = await Corp.first()
    assert corp is not None
    alert = await _alert(corp.id, 1)
    page = await ui.login("admin")
    await page.goto(ui.url(f"/admin/compliance/alerts/{alert.id}"))
    form = page.locator("[data-testid=resolve-form]")
    await form.locator("button[type=submit]").click()  # no note, no tick
    await expect(page.locator("#toast")).to_contain_text("请先勾选确认")
    await form.locator("[data-testid=resolve-confirm]").check()
    await form.locator("button[type=submit]").click()  # ticked, but no note
    await expect(form.locator("[data-error]")).to_contain_text("处理说明")
    assert (await Alert.get(id=alert.id)).status == "open"
    await form.locator("[data-testid=resolve-note]").fill("已约谈员工并撤回消息")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("[data-testid=alert-status]")).to_have_attribute(
        "data-status", "resolved"
    )
    trail = page.locator("[data-testid=audit-trail]")
    assert "已约谈员工并撤回消息" in (await trail.text_content() or "")
    await ui.shot("ui-alert", page)

    ids = [(await _alert(corp.id, n, "high")).id for n in (2, 3)]
    await page.goto(ui.url("/admin/compliance?status=open"))
    await page.check("[data-testid=pick-all]")
    await page.click("[data-testid=bulk-acknowledge]")
    await expect(page.locator("#toast")).to_contain_text("已确认 2 条告警")
    await page.wait_for_load_state("load")
    assert {a.status for a in await Alert.filter(id__in=ids)} == {"acknowledged"}


async def test_the_audit_log_reads_as_chinese_with_names(ui: UI) -> None:
    await ui.linked.api(
        "POST",
        "/api/v1/assignment-rules",
        {
            "name": "华东规则",
            "conditions": {"city": ["上海"]},
            "strategy": "round_robin",
            "members": ["lisi"],
        },
        status=201,
    )
    corp = await Corp.first()
    assert corp is not None
    alert = await _alert(corp.id, 9, "high")
    await ui.linked.api("POST", f"/api/v1/compliance/alerts/{alert.id}/resolve", {"note": "ok"})
    page = await ui.login("admin")
    await page.goto(ui.url("/admin/settings/audit"))
    table = await page.text_content("[data-testid=audit-table]") or ""
    assert "/api/v1" not in table
    actions = set(await page.locator("[data-testid=audit-action]").all_inner_texts())
    assert {"新建", "解决"} <= actions and not {"create", "resolve"} & actions
    objects = await page.locator("[data-testid=audit-object]").all_inner_texts()
    assert "分配规则「华东规则」" in objects and "合规告警「返现」" in objects
    assert not [o for o in objects if "alert" in o or "/" in o]
    await ui.shot("ui-audit", page)


async def test_dead_ends_say_what_happened(ui: UI) -> None:
    plan = await ui.linked.api(
        "POST",
        "/api/v1/sop-plans",
        {
            "name": "无群计划",
            "target": {"owners": ["nobody"]},
            "steps": [
                {
                    "id": "d1",
                    "schedule": {"kind": "offset", "day": 1, "at": "10:00"},
                    "text": "早上好",
                }
            ],
        },
        status=201,
    )
    assert plan["warning_code"] == "no_groups"
    page = await ui.login("ops")
    await page.goto(ui.url("/admin/sop"))
    row = page.locator(f"[data-testid=plan-row][data-plan='{plan['id']}']")
    assert await row.locator("[data-testid=plan-status]").inner_text() == "未匹配到群"
    assert await row.locator("[data-testid=plan-no-groups]").count() == 1

    opp = await ui.linked.api(
        "POST",
        "/api/v1/opportunities",
        {"name": "报价测试", "owner_userid": "lisi", "amount": 1_000_000},
        status=201,
    )
    line = {"product": "标准版年费", "quantity": 2, "unit_price": 500_000}
    quote = await ui.linked.api(
        "POST",
        f"/api/v1/opportunities/{opp['id']}/quotes",
        {"lines": [line], "discount_bp": 1500, "requested_by": "lisi"},
        201,
    )
    boss = await ui.login("boss", await ui.new_page())
    await boss.goto(ui.url("/admin/quotes"))
    row = boss.locator(f"[data-testid=quote-pending][data-id='{quote['id']}']")
    assert "标准版年费 × 2" in (await row.locator("[data-testid=quote-lines]").inner_text())
    await ui.shot("ui-quotes", boss)
    await row.locator("[data-decide=approve]").click()
    decided = boss.locator(f"[data-testid=quote-decided][data-id='{quote['id']}']")
    await expect(decided).to_have_attribute("data-status", "approved")
    await expect(boss.locator("#toast")).to_contain_text("已批准")  # still there after reload


async def test_phone_layout_favicon_and_password_form(ui: UI) -> None:
    corp = await Corp.first()
    assert corp is not None
    for n in range(4):
        await _alert(corp.id, 20 + n, "medium")
    page = await ui.new_page(viewport={"width": 390, "height": 800})
    await ui.login("admin", page)
    await page.goto(ui.url("/admin/compliance/stats"))
    await page.wait_for_load_state("load")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    height = await page.eval_on_selector("[data-testid=chart-week]", "c => c.clientHeight")
    assert height >= 200  # not squashed flat by a 900×260 aspect ratio
    await ui.shot("ui-stats-390", page)

    await page.goto(ui.url("/admin/"))
    gap = await page.evaluate(
        """() => {
          const cards = [...document.querySelectorAll('.cards > .card')]
            .map(c => c.getBoundingClientRect());
          const rows = [...new Set(cards.map(r => Math.round(r.top)))].sort((a, b) => a - b);
          const first = cards.filter(r => Math.round(r.top) === rows[0]);
          return rows.length > 1 ? rows[1] - Math.max(...first.map(r => r.bottom)) : 0;
        }"""
    )
    assert 0 <= gap <= 12
    await page.wait_for_timeout(300)  # Chart.js sizes its canvases after the load event
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    icon = await page.get_attribute("link[rel=icon]", "href")
    assert icon and (await page.request.get(ui.url(icon))).status == 200

    await page.goto(ui.url("/admin/settings/users"))
    form = page.locator("form[data-api$='/password']").first
    assert await form.locator("input[autocomplete=username]").count() == 1
    assert await form.locator("input[autocomplete=new-password]").count() == 1
