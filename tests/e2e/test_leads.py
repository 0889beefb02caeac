"""线索 pages in the browser: claiming from the pool, CSRF-less claims refused, a manager
assigning and merging, the lead page with follow-ups, and the CSV import with progress."""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import Dialog

from scrm.models import Lead, LeadActivity
from tests.e2e.conftest import UI


async def pooled(ui: UI, name: str, phone: str) -> dict[str, Any]:
    """No assignment rule exists, so a new lead lands in the pool."""
    made = await ui.linked.api("POST", "/api/v1/leads", {"name": name, "phone": phone}, 201)
    assert made["in_pool"], made
    return dict(made)


def row(lead_id: int) -> str:
    return f"[data-testid=lead-row][data-id='{lead_id}']"


async def test_staff_claim_a_lead_from_the_pool(ui: UI) -> None:
    lead = await pooled(ui, "公海客户", "13700000001")
    await pooled(ui, "另一位", "13700000002")
    page = await ui.login("lisi")
    await page.goto(ui.url("/admin/leads?tab=pool"))
    assert await page.locator("[data-testid=lead-row]").count() == 2
    assert await page.locator("[data-testid=lead-tabs] [data-tab=all]").count() == 0  # staff
    await ui.shot("leads-pool")

    await page.click(f"{row(lead['id'])} [data-testid=claim]")
    await page.wait_for_selector(row(lead["id"]), state="detached")  # reloaded: gone
    claimed = await Lead.get(id=lead["id"])
    assert (claimed.owner_userid, claimed.in_pool) == ("lisi", False)
    await page.goto(ui.url("/admin/leads?tab=mine"))
    assert await page.locator(row(lead["id"])).count() == 1

    # The lead's page: its activities, and a follow-up entered there.
    await page.click(f"{row(lead['id'])} a")
    await page.wait_for_selector("[data-testid=lead-activities] [data-kind=claim]")
    await page.fill("[data-testid=lead-followup-form] textarea[name=note]", "已电话联系，下周报价")
    await page.click("[data-testid=lead-followup-form] button[type=submit]")
    await page.wait_for_selector("[data-testid=lead-activities] [data-kind=followup]")
    assert "下周报价" in (await page.text_content("[data-testid=lead-activities]") or "")
    await page.evaluate("window.scrollTo(0, 0)")
    await ui.shot("lead-detail")

    # wangwu cannot open lisi's lead by URL.
    other = await ui.login("wangwu", await ui.new_page())
    resp = await other.goto(ui.url(f"/admin/leads/{lead['id']}"))
    assert resp is not None and resp.status == 404
    assert await other.locator("[data-testid=lead-missing]").count() == 1


async def test_a_claim_without_the_csrf_header_is_refused(ui: UI) -> None:
    lead = await pooled(ui, "无令牌", "13700000011")
    page = await ui.login("lisi")
    await page.goto(ui.url("/admin/leads?tab=pool"))
    path = ui.url(f"/api/v1/leads/{lead['id']}/claim")
    resp = await page.request.post(path, data={"userid": "lisi"})  # the cookie, no header
    assert resp.status == 403 and "CSRF" in (await resp.json())["error"]
    status = await page.evaluate(
        """async (path) => (await fetch(path, {
             method: "POST", credentials: "same-origin",
             headers: {"Content-Type": "application/json"}, body: '{"userid": "lisi"}',
           })).status""",
        path,
    )
    assert status == 403
    assert (await Lead.get(id=lead["id"])).in_pool  # nothing happened

    token = await page.get_attribute("meta[name=csrf-token]", "content")
    resp = await page.request.post(
        path, data={"userid": "lisi"}, headers={"X-CSRF-Token": token or ""}
    )
    assert resp.status == 200 and (await Lead.get(id=lead["id"])).owner_userid == "lisi"


async def test_a_manager_assigns_and_merges_on_the_list(ui: UI) -> None:
    a = await pooled(ui, "甲", "13700000021")
    b = await pooled(ui, "乙", "13700000022")
    c = await pooled(ui, "丙", "13700000023")
    await Lead.filter(id=a["id"]).update(score=60, grade="B")
    page = await ui.login("boss")
    page.on("dialog", lambda d: asyncio.ensure_future(_accept(d)))
    await page.goto(ui.url("/admin/leads?tab=pool"))
    options = await page.locator("[data-testid=assign-to] option").evaluate_all(
        "os => os.map(o => o.value)"
    )
    assert options == ["lisi", "zhangsan"]  # himself and his team, not wangwu

    await page.check(f"{row(c['id'])} input.pick")
    await page.select_option("[data-testid=assign-to]", "lisi")
    await page.click("[data-testid=assign-picked]")
    await page.wait_for_selector(row(c["id"]), state="detached")
    assert (await Lead.get(id=c["id"])).owner_userid == "lisi"
    act = await LeadActivity.get(lead_id=c["id"], kind="assign")
    assert act.actor == "boss" and act.data["how"] == "manual"

    await page.check(f"{row(a['id'])} input.pick")
    await page.check(f"{row(b['id'])} input.pick")
    await page.click("[data-testid=merge-picked]")
    await page.wait_for_selector(row(b["id"]), state="detached")
    assert (await Lead.get(id=b["id"])).merged_into_id == a["id"]  # into the higher score

    # On a phone neither the list nor the import page scrolls sideways.
    phone = await ui.login("boss", await ui.new_page(viewport={"width": 390, "height": 800}))
    for path in ("/admin/leads?tab=all", "/admin/leads/import", f"/admin/leads/{a['id']}"):
        await phone.goto(ui.url(path))
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)


async def _accept(dialog: Dialog) -> None:
    await dialog.accept()


CSV = "name,phone,city,industry\n" + "".join(
    f"导入{i},1360000{i:04d},上海,教育\n" for i in range(450)
)
CSV += "重复,136-0000-0007,上海,\n无号码,,北京,\n"  # line 452 = line 9's person; 453 rejected


async def test_csv_import_dry_run_then_real_import_with_progress(ui: UI) -> None:
    page = await ui.login("boss")
    await page.goto(ui.url("/admin/leads"))
    await page.click("[data-testid=import-link]")
    await page.wait_for_url("**/admin/leads/import")
    await page.set_input_files(
        "[data-testid=csv-file]",
        files=[{"name": "leads.csv", "mimeType": "text/csv", "buffer": CSV.encode()}],
    )
    await page.wait_for_function("document.querySelector('#csv-text').value.length > 1000")
    assert await page.is_disabled("[data-testid=run-import]")  # a dry run comes first

    await page.click("[data-testid=dry-run]")
    await page.wait_for_selector("[data-testid=dry-result]:not([hidden])")
    counts = {
        k: await page.text_content(f"[data-testid=dry-{k}]")
        for k in ("rows", "create", "merge", "reject")
    }
    assert counts == {"rows": "452", "create": "450", "merge": "1", "reject": "1"}
    assert await page.locator("[data-testid=dry-lines] tbody tr").count() == 452
    rejected = page.locator("[data-testid=dry-lines] tr[data-outcome=reject]")
    assert "缺少手机号" in (await rejected.text_content() or "")
    await page.check("[data-testid=only-issues]")
    shown = page.locator("[data-testid=dry-lines] tbody tr:visible")
    assert await shown.evaluate_all("rows => rows.map(r => r.dataset.outcome)") == [
        "merge",
        "reject",
    ]
    assert await Lead.all().count() == 0  # the dry run wrote nothing

    await page.click("[data-testid=run-import]")
    await page.wait_for_selector("[data-testid=import-counts]:not([hidden])", timeout=90_000)
    value = await page.eval_on_selector("[data-testid=import-progress] progress", "p => p.value")
    assert value == 100
    assert "导入完成" in (await page.text_content("[data-testid=import-progress]") or "")
    assert await page.text_content("[data-testid=result-created]") == "450"
    assert await page.text_content("[data-testid=result-merged]") == "1"
    assert await page.text_content("[data-testid=result-rejected]") == "1"
    # 渠道 defaults to 批量导入 (not "csv"), and the result says how many wait in 公海.
    assert await Lead.filter(channel="批量导入").count() == 450
    pooled = await Lead.filter(in_pool=True).count()
    assert pooled > 0
    assert await page.text_content("[data-testid=result-pool]") == str(pooled)
    said = await page.text_content("[data-testid=import-progress]") or ""
    assert f"其中 {pooled} 条进入公海" in said
    assert (await Lead.get(name="导入7")).touches == 2
    await page.evaluate("window.scrollTo(0, 0)")
    await ui.shot("leads-import")
