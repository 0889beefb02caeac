"""素材库 pickers in the browser: a 话术 of kind 素材库 and a live code's welcome materials are
chosen from the library, saved as references, and shown again when edited."""

from __future__ import annotations

import re

from playwright.async_api import expect

from scrm.models import Journey, QuickReply, SopPlan
from scrm.models.livecode import LiveCode
from tests.campaigns.helpers import CODE
from tests.e2e.conftest import UI


async def test_quick_reply_and_welcome_pick_materials(ui: UI) -> None:
    linked = ui.linked
    link = await linked.api(
        "POST",
        "/api/v1/materials",
        {"kind": "link", "title": "会员日", "url": "https://shop.example.com/d", "tracked": True},
        201,
    )
    text = await linked.api(
        "POST", "/api/v1/materials", {"kind": "text", "title": "问候", "content": "您好"}, 201
    )
    await linked.api("POST", "/api/v1/quick-replies/categories", {"name": "活动"}, 201)
    page = await ui.login("ops")
    await page.goto(ui.url("/admin/quick-replies"))
    await page.select_option("[data-testid=reply-kind]", "material")
    assert not await page.is_visible("[data-testid=reply-url]")
    await page.select_option("[data-testid=reply-material]", label="链接 · 会员日")
    await page.fill("[data-testid=reply-title]", "会员日链接")
    async with page.expect_navigation():
        await page.click("[data-testid=reply-save]")
    await expect(page.locator("[data-testid=reply-material-title]")).to_have_text("素材：会员日")
    reply = await QuickReply.get(title="会员日链接")
    assert (reply.kind, reply.extra["material_id"]) == ("material", link["id"])

    made = await linked.api("POST", "/api/v1/livecodes", CODE, 201)
    await page.goto(ui.url(f"/admin/livecodes/{made['id']}/edit"))
    await page.select_option("[data-testid=lc-materials]", label=["文本 · 问候", "链接 · 会员日"])
    await page.click("[data-testid=lc-save]")
    await page.wait_for_url(f"**/admin/livecodes/{made['id']}")
    code = await LiveCode.get(id=made["id"])
    assert sorted(code.welcome_material_ids) == sorted([text["id"], link["id"]])
    await page.goto(ui.url(f"/admin/livecodes/{made['id']}/edit"))
    chosen = await page.eval_on_selector(
        "[data-testid=lc-materials]",
        "s => Array.from(s.selectedOptions).map((o) => o.textContent)",
    )
    assert sorted(chosen) == ["文本 · 问候", "链接 · 会员日"]


async def test_sop_step_picks_materials(ui: UI) -> None:
    linked = ui.linked
    link = await linked.api(
        "POST",
        "/api/v1/materials",
        {"kind": "link", "title": "群福利", "url": "https://shop.example.com/g", "tracked": True},
        201,
    )
    await linked.sandbox.control("groups", {"owner": "zhangsan", "name": "VIP群"})
    await linked.drain()
    page = await ui.login("ops")
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(ui.url("/admin/sop/new"))
    await page.wait_for_selector("form[data-ready]")
    await page.fill("[data-testid=plan-name]", "群福利计划")
    await page.check("[data-testid=owner-zhangsan]")
    step = page.locator("[data-testid=step]").nth(0)
    await step.locator("[data-f=at]").fill("10:00")
    await step.locator("[data-testid=step-materials]").select_option(label="链接 · 群福利")
    await page.click("[data-testid=save-plan]")
    await page.wait_for_url(re.compile(r"/admin/sop/\d+/preview$"))
    plan = await SopPlan.get(name="群福利计划")
    assert plan.steps[0]["material_ids"] == [link["id"]] and plan.steps[0]["text"] == ""
    await page.goto(ui.url(f"/admin/sop/{plan.id}/edit"))
    await page.wait_for_selector("form[data-ready]")
    chosen = await page.eval_on_selector(
        "[data-testid=step-materials]",
        "s => Array.from(s.selectedOptions).map((o) => o.textContent)",
    )
    assert chosen == ["链接 · 群福利"]
    # The journey builder's send node picks materials by title, kept as material_ids.
    await page.goto(ui.url("/admin/journeys/new"))
    await page.fill("[data-testid=journey-name]", "带素材的旅程")
    await page.locator("[data-testid=picker-node-materials] .pk-input").first.fill("群福利")
    await page.locator("[data-testid=picker-option]:has-text('群福利')").first.click()
    await page.click("[data-testid=save-journey]")
    await page.wait_for_url(re.compile(r"/admin/journeys/\d+$"))
    journey = await Journey.get(name="带素材的旅程")
    sends = [n for n in journey.nodes if n["kind"] == "send"]
    assert sends[0]["material_ids"] == [link["id"]]
