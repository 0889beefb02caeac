"""客户SOP pages in Chromium: a journey from the visual builder (JSON import/export, errors
shown beside the node, pickers by name, edit), its detail page with stats and preview, pause
and resume; and staff kept out of every SOP page."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta

from playwright.async_api import Page

from admin.web.pages.sop_journeys import TEMPLATE
from scrm.models import Corp, Journey, JourneyLog, JourneyRun, Tag, TagGroup
from scrm.sop import journeys
from scrm.sop.journey_schema import Node
from tests.e2e.conftest import UI
from tests.e2e.test_sop import ZONE, accept


async def test_journey_from_the_builder_with_json_import(ui: UI) -> None:
    page = await ui.login("ops")
    page.on("dialog", accept)
    await page.goto(ui.url("/admin/journeys"))
    await page.click("[data-testid=new-journey]")
    # The builder opens on the template: one card per node, no JSON in sight.
    nodes = page.locator("[data-testid=jb-node]")
    # count() does not wait: let the builder's script draw the cards first (a busy CI box
    # once counted 0 right after the click).
    await nodes.nth(len(TEMPLATE["nodes"]) - 1).wait_for()
    assert await nodes.count() == len(TEMPLATE["nodes"])
    assert await page.locator("[data-testid=journey-json]").is_hidden()
    assert await page.input_value("[data-testid=journey-name]") == TEMPLATE["name"]

    # JSON import: a parse error in Chinese; a looping graph loads, and the API's refusal is
    # shown in Chinese; nothing is stored.
    await page.click("[data-testid=journey-json-box] summary")
    area = page.locator("[data-testid=journey-json]")
    assert json.loads(await area.input_value())["nodes"] == TEMPLATE["nodes"]  # export
    await area.fill("{")
    await page.click("[data-testid=import-json]")
    said = await page.inner_text("[data-testid=journey-errors]")
    assert "JSON 格式错误" in said and "Unexpected" not in said
    looping = copy.deepcopy(TEMPLATE)
    looping["nodes"][-1]["next"] = "s1"
    await area.fill(json.dumps(looping, ensure_ascii=False))
    await page.click("[data-testid=import-json]")
    await page.click("[data-testid=save-journey]")
    await page.wait_for_selector("[data-testid=journey-errors]:has-text('节点之间形成循环')")
    assert await Journey.all().count() == 0

    await page.click("[data-testid=load-template]")
    await page.fill("[data-testid=journey-name]", "新客七天（测试）")
    await page.click("[data-testid=save-journey]")
    await page.wait_for_url(re.compile(r"/admin/journeys/\d+$"))
    await page.wait_for_selector("[data-testid=journey-preview-empty]")
    assert await page.locator("[data-testid=node-row]").count() == len(TEMPLATE["nodes"])
    journey = await Journey.get(name="新客七天（测试）")
    assert journey.nodes == [
        Node.model_validate(n).model_dump(mode="json") for n in TEMPLATE["nodes"]
    ]

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

    # Edit: the builder holds the saved spec; PUT keeps the id.
    await page.goto(ui.url(f"/admin/journeys/{journey.id}/edit"))
    assert await page.locator("[data-testid=jb-node]").count() == len(TEMPLATE["nodes"])
    await page.fill("[data-setting=per_day_cap]", "2")
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


async def test_build_a_journey_without_touching_json(ui: UI) -> None:
    corp = await Corp.get()
    group = await TagGroup.create(corp_id=corp.id, group_id="g1", name="意向")
    await Tag.create(corp_id=corp.id, tag_id="etHOT", group=group, name="高意向客户")
    await Tag.create(corp_id=corp.id, tag_id="etVIP", group=group, name="VIP")
    page = await ui.login("ops")
    page.on("dialog", accept)
    await page.goto(ui.url("/admin/journeys/new"))
    await page.fill("[data-testid=journey-name]", "标签客户培育")
    nodes = page.locator("[data-testid=jb-node]")
    # Drop the template's nodes but the first (a wait), then build: trigger by tag, wait two
    # days, send, tag, exit.
    while await nodes.count() > 1:
        await nodes.nth(1).locator("[data-testid=node-remove]").click()
    await page.select_option("[data-testid=trigger-kind]", "tag_added")
    await pick(page, "[data-testid=jb-trigger]", "高意向", "高意向客户")
    await page.fill("[data-testid=node-wait]", "2")
    await page.select_option("[data-testid=jb-node] select[data-t=unit]", "1440")

    adders = page.locator("[data-testid=add-node]")
    await adders.last.click()
    await page.locator("[data-testid=add-send]").last.click()
    send = nodes.nth(1)
    # Saved empty: the error is in Chinese, beside the node, and nothing is stored.
    await page.click("[data-testid=save-journey]")
    assert await send.locator("[data-testid=node-error]").inner_text() == "请填写内容"
    await send.locator("[data-testid=node-text]").fill("您好")
    await send.locator("[data-var='{客户昵称}']").click()

    await adders.last.click()
    await page.locator("[data-testid=add-tag]").last.click()
    await pick(page, "[data-testid=jb-node] >> nth=2", "VIP", "VIP")
    await adders.last.click()
    await page.locator("[data-testid=add-exit]").last.click()
    assert "添加 VIP" in await nodes.nth(2).inner_text()
    await ui.shot("journey-builder")

    await page.click("[data-testid=save-journey]")
    await page.wait_for_url(re.compile(r"/admin/journeys/\d+$"))
    j = await Journey.get(name="标签客户培育")
    assert j.trigger["kind"] == "tag_added" and j.trigger["tag_ids"] == ["etHOT"]
    kinds = [(n["kind"], n["next"]) for n in j.nodes]
    ids = [n["id"] for n in j.nodes]
    assert kinds == [("wait", ids[1]), ("send", ids[2]), ("tag", ids[3]), ("exit", None)]
    assert j.nodes[0]["minutes"] == 2 * 1440
    assert j.nodes[1]["text"] == "您好{客户昵称}"
    assert j.nodes[2]["add_tags"] == ["etVIP"]
    assert "添加 VIP" in await page.inner_text("[data-node=g1]")  # the detail names tags too


async def pick(page: Page, scope: str, typed: str, shown: str) -> None:
    """Type into the first picker under `scope` and choose the suggestion showing `shown`."""
    box = page.locator(scope).locator(".pk-input").first
    await box.fill(typed)
    await page.locator(f"[data-testid=picker-option]:has-text('{shown}')").first.click()
