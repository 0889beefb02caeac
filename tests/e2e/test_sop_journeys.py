"""客户SOP pages in Chromium: a journey from the JSON editor (errors shown, template, edit), its
detail page with stats and preview, pause and resume; and staff kept out of every SOP page."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta

from admin.web.pages.sop_journeys import TEMPLATE
from scrm.models import Corp, Journey, JourneyLog, JourneyRun
from scrm.sop import journeys
from tests.e2e.conftest import UI
from tests.e2e.test_sop import ZONE, accept


async def test_journey_from_the_json_editor(ui: UI) -> None:
    page = await ui.login("ops")
    page.on("dialog", accept)
    await page.goto(ui.url("/admin/journeys"))
    await page.click("[data-testid=new-journey]")
    area = page.locator("[data-testid=journey-json]")
    assert json.loads(await area.input_value())["name"] == TEMPLATE["name"]

    await area.fill("{")
    await page.click("[data-testid=save-journey]")
    assert "JSON 格式错误" in await page.inner_text("[data-testid=journey-errors]")
    looping = copy.deepcopy(TEMPLATE)
    looping["nodes"][-1]["next"] = "s1"
    await area.fill(json.dumps(looping, ensure_ascii=False))
    await page.click("[data-testid=save-journey]")
    await page.wait_for_selector("[data-testid=journey-errors]:has-text('节点之间形成循环')")
    assert await Journey.all().count() == 0

    await page.click("[data-testid=load-template]")
    spec = json.loads(await area.input_value())
    spec["name"] = "新客七天（测试）"
    await area.fill(json.dumps(spec, ensure_ascii=False, indent=2))
    await page.click("[data-testid=save-journey]")
    await page.wait_for_url(re.compile(r"/admin/journeys/\d+$"))
    await page.wait_for_selector("[data-testid=journey-preview-empty]")
    assert await page.locator("[data-testid=node-row]").count() == len(TEMPLATE["nodes"])
    journey = await Journey.get(name="新客七天（测试）")

    # Two customers enter; one was already sent s1 earlier (a log row): stats and preview.
    corp = await Corp.get()
    for ext in ("wmCustA", "wmCustB"):
        assert await journeys.enroll(corp.id, "livecode_add", ext, "zhangsan", {}) == 1
    run = await JourneyRun.get(journey_id=journey.id, external_userid="wmCustA")
    await JourneyLog.create(
        corp_id=corp.id, run=run, external_userid="wmCustA", node_id="s1", action="sent",
        at=datetime.now(UTC),
    )  # fmt: skip
    await page.reload()
    await page.wait_for_selector("[data-testid=journey-preview-row]")
    assert await page.inner_text("[data-run=active]") == "2"
    assert await page.inner_text("[data-node=s1] [data-count=sent]") == "1"
    preview = page.locator("[data-testid=journey-preview-row]")
    # Each customer: s1 in an hour, then after a day the branch both ways (t1 | s2, r1).
    assert await preview.count() == 2 * 4
    assert "评级不是 S、A" in await page.inner_text("[data-testid=journey-preview]")
    s1_at = (run.due_at + timedelta(minutes=60)).astimezone(ZONE)  # shown in the corp's zone
    assert f"{s1_at:%H:%M}" in await preview.first.inner_text()
    await ui.shot("journey-detail")

    await page.goto(ui.url("/admin/journeys"))
    row = page.locator(f"[data-testid=journey-row][data-journey='{journey.id}']")
    assert "通过渠道活码添加" in await row.inner_text()
    async with page.expect_navigation():
        await row.locator("[data-testid=pause]").click()
    assert await row.get_attribute("data-status") == "paused"
    await ui.shot("journeys")
    async with page.expect_navigation():
        await row.locator("[data-testid=resume]").click()
    assert (await Journey.get(id=journey.id)).status == "active"

    # Edit: the editor holds the saved spec; PUT keeps the id.
    await page.goto(ui.url(f"/admin/journeys/{journey.id}/edit"))
    spec = json.loads(await area.input_value())
    assert spec["nodes"] == TEMPLATE["nodes"]
    spec["per_day_cap"] = 2
    await area.fill(json.dumps(spec, ensure_ascii=False))
    await page.click("[data-testid=save-journey]")
    await page.wait_for_url(re.compile(rf"/admin/journeys/{journey.id}$"))
    assert (await Journey.get(id=journey.id)).per_day_cap == 2
    resp = await page.goto(ui.url(f"/admin/journeys/{journey.id + 1}"))
    assert resp is not None and resp.status == 404


async def test_staff_get_the_403_page_and_api_refusal(ui: UI) -> None:
    page = await ui.login("lisi")
    assert await page.locator("nav [data-nav=sop]").count() == 0
    for path in ("/admin/sop", "/admin/sop/new", "/admin/sop/calendar", "/admin/journeys"):
        resp = await page.goto(ui.url(path))
        assert resp is not None and resp.status == 403, path
        assert await page.locator("[data-testid=forbidden]").count() == 1
    status = await page.evaluate(
        "() => SCRM.api('POST', '/api/v1/sop-plans', {}).then(() => 200, (e) => e.status)"
    )
    assert status == 403
