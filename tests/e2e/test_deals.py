"""商机看板 and 报价审批 in a real browser: drag through a stage gate, close a deal,
approve a quote, and the data scope by URL and by API."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from playwright.async_api import Page, expect

from tests.e2e.conftest import UI

NO_SUCH = "没有这条记录，或不在你的数据范围内"  # the same words for absent and out of scope

CARD = "[data-testid=opp-card][data-id='{}']"


def column(page: Page, stage: str) -> Any:
    return page.locator(f"[data-testid=column][data-stage={stage}]")


async def opportunity(ui: UI, owner: str, name: str, amount: int = 1_200_000) -> dict[str, Any]:
    body = {"name": name, "owner_userid": owner, "amount": amount, "expected_close": "2030-06-30"}
    return dict(await ui.linked.api("POST", "/api/v1/opportunities", body, status=201))


async def server(ui: UI, oid: int) -> dict[str, Any]:
    return dict(await ui.linked.api("GET", f"/api/v1/opportunities/{oid}"))


async def session_api(page: Page, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """A call from the page itself: the session cookie and the page's CSRF token."""
    result = await page.evaluate(
        """async ([method, path, body]) => {
            const csrf = document.querySelector('meta[name="csrf-token"]').content;
            const headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"};
            const init = {method, headers};
            if (body !== null) { init.body = JSON.stringify(body); }
            const resp = await fetch(path, init);
            return [resp.status, await resp.json()];
        }""",
        [method, path, body],
    )
    return int(result[0]), result[1]


async def test_drag_through_a_stage_gate(ui: UI) -> None:
    mine = await opportunity(ui, "lisi", "李四·年度订阅")
    await opportunity(ui, "wangwu", "王五·私有商机")
    page = await ui.login("lisi")
    await page.goto(ui.url("/admin/opportunities"))
    card = page.locator(CARD.format(mine["id"]))
    qualification, discovery = column(page, "Qualification"), column(page, "Discovery")
    await expect(qualification.locator(CARD.format(mine["id"]))).to_have_count(1)
    # Staff see their own deals only: wangwu's is not on lisi's board.
    await expect(page.locator("[data-testid=opp-card]")).to_have_count(1)
    assert "王五·私有商机" not in await page.content()
    assert await qualification.locator("[data-testid=col-amount]").text_content() == "¥12,000"
    chart = json.loads(
        await page.get_attribute("[data-testid=pipeline-chart]", "data-chart") or ""
    )
    assert chart["series"][0]["data"][:2] == [12000, 0]
    weighted = page.locator("[data-sum=weighted]")
    assert await weighted.text_content() == "¥1,200"  # 10 % of ¥12,000
    await ui.shot("kanban")

    await card.drag_to(discovery)
    panel = page.locator("[data-testid=gate-panel]")
    await expect(panel).to_be_visible()
    reason = await panel.locator("[data-testid=gate-reason]").text_content() or ""
    assert "无法将「李四·年度订阅」移到「需求挖掘」" in reason
    for label in ("下一步", "下一步日期", "客户痛点", "采购流程"):
        assert label in reason
    # One input per missing field, ready to fill.
    inputs = panel.locator("[data-testid=gate-form] [name]")
    assert await inputs.evaluate_all("els => els.map(e => e.name)") == [
        "next_step",
        "next_step_date",
        "pain_points",
        "purchase_process",
    ]
    # The card went back to its column, and the server did not move it.
    await expect(qualification.locator(CARD.format(mine["id"]))).to_have_count(1)
    await expect(discovery.locator("[data-testid=opp-card]")).to_have_count(0)
    assert (await server(ui, mine["id"]))["stage"] == "Qualification"
    await ui.shot("kanban-gate-refused")

    form = panel.locator("[data-testid=gate-form]")
    await form.locator("[name=next_step]").fill("周五上门演示")
    await form.locator("[name=next_step_date]").fill("2030-01-18")
    await form.locator("[name=pain_points]").fill("客服响应慢，线索流失")
    await form.locator("[name=purchase_process]").fill("IT 评估后总经理审批")
    await form.locator("[data-testid=gate-retry]").click()

    await expect(discovery.locator(CARD.format(mine["id"]))).to_have_count(1)
    await expect(panel).to_be_hidden()
    await expect(discovery.locator("[data-testid=col-count]")).to_have_text("1")
    await expect(qualification.locator("[data-testid=col-count]")).to_have_text("0")
    assert await card.locator("[data-field=next_step]").text_content() == "周五上门演示"
    deal = await server(ui, mine["id"])
    assert deal["stage"] == "Discovery" and deal["next_step_date"] == "2030-01-18"
    assert deal["values"]["pain_points"] == "客服响应慢，线索流失"
    assert [(h["from_stage"], h["to_stage"], h["actor"]) for h in deal["history"]][-1] == (
        "Qualification",
        "Discovery",
        "lisi",
    )
    chart = json.loads(
        await page.get_attribute("[data-testid=pipeline-chart]", "data-chart") or ""
    )
    assert chart["series"][0]["data"][:2] == [0, 12000]
    await expect(weighted).to_have_text("¥3,000")  # now 25 %

    # The page after a reload agrees with the server.
    await page.reload()
    await expect(column(page, "Discovery").locator(CARD.format(mine["id"]))).to_have_count(1)


async def test_create_then_lose_a_deal_asks_for_the_reason(ui: UI) -> None:
    page = await ui.login("lisi")
    await page.goto(ui.url("/admin/opportunities"))
    await page.locator("[data-testid=opp-create-box] summary").click()
    create = page.locator("[data-testid=opp-create]")
    await create.locator("[name=name]").fill("新商机·华东区")
    await create.locator("[name=amount]").fill("5000.5")
    # The form asks for 资格确认's required fields: without them the browser refuses to send.
    gate = create.locator("[data-testid=opp-create-gate]")
    assert "资格确认" in (await gate.text_content() or "")
    await create.locator("button[type=submit]").click()
    assert await create.locator("[data-gate=next_step]").evaluate("el => !el.validity.valid")
    made = await ui.linked.api("GET", "/api/v1/opportunities?owner=lisi")
    assert "新商机·华东区" not in [o["name"] for o in made]
    await create.locator("[data-gate=next_step]").fill("约客户演示")
    await create.locator("[data-gate=next_step_date]").fill("2026-12-20")
    await create.locator("[data-gate=decision_maker]").fill("王总")
    await create.locator("button[type=submit]").click()
    card = column(page, "Qualification").locator(
        "[data-testid=opp-card]", has_text="新商机·华东区"
    )
    await expect(card).to_have_count(1)
    (made,) = await ui.linked.api("GET", "/api/v1/opportunities?owner=lisi")
    assert (made["name"], made["amount"], made["stage"]) == (
        "新商机·华东区",
        500_050,
        "Qualification",
    )

    await card.drag_to(column(page, "Lost"))
    panel = page.locator("[data-testid=gate-panel]")
    await expect(panel).to_be_visible()
    assert "请选择输单原因" in (
        await panel.locator("[data-testid=gate-reason]").text_content() or ""
    )
    # Nothing moved while the question is open.
    assert (await server(ui, made["id"]))["stage"] == "Qualification"
    await panel.locator("select[name=lost_reason]").select_option("competitor")
    await panel.locator("[name=lost_note]").fill("对方报价低 30%")
    await panel.locator("[data-testid=gate-retry]").click()

    lost = column(page, "Lost").locator(CARD.format(made["id"]))
    await expect(lost).to_have_count(1)
    await expect(lost).to_have_attribute("draggable", "false")  # closed: set once the API agreed
    await expect(panel).to_be_hidden()
    deal = await server(ui, made["id"])
    assert [deal[k] for k in ("stage", "lost_reason", "lost_note")] == [
        "Lost", "competitor", "对方报价低 30%"
    ]  # fmt: skip


async def test_boss_approves_a_quote_lisi_created(ui: UI) -> None:
    mine = await opportunity(ui, "lisi", "李四·集团版")
    page = await ui.login("lisi")
    await page.goto(ui.url(f"/admin/opportunities/{mine['id']}"))
    await page.locator("[data-testid=quote-create-box] summary").click()
    form = page.locator("[data-testid=quote-create]")
    await form.locator("[name=product]").fill("集团版年费")
    await form.locator("[name=unit_price]").fill("10000")
    await form.locator("[name=discount]").fill("15")
    await expect(form.locator("[data-testid=quote-preview]")).to_contain_text("需主管审批")
    await form.locator("button[type=submit]").click()
    row = page.locator("[data-testid=quote-row]")
    await expect(row).to_have_count(1)
    assert await row.get_attribute("data-status") == "pending_approval"
    (pending,) = await ui.linked.api("GET", "/api/v1/quotes?status=pending")
    assert [pending[k] for k in ("requested_by", "total", "approval_level")] == [
        "lisi", 850_000, "manager"
    ]  # fmt: skip
    # A bigger discount waits for a director: the manager sees it but may not decide it.
    line = {"product": "集团版年费", "quantity": 1, "unit_price": 1_000_000}
    body = {"lines": [line], "discount_bp": 2500, "requested_by": "lisi"}
    big = await ui.linked.api("POST", f"/api/v1/opportunities/{mine['id']}/quotes", body, 201)

    # Staff may not decide: no page, and the API refuses.
    response = await page.goto(ui.url("/admin/quotes"))
    assert response is not None and response.status == 403
    await expect(page.locator("[data-testid=forbidden]")).to_be_visible()
    status, _ = await session_api(
        page,
        "POST",
        f"/api/v1/quotes/{pending['id']}/decision",
        {"approver": "lisi", "role": "manager", "approve": True},
    )
    assert status == 403

    boss = await ui.login("boss", await ui.new_page())
    await boss.goto(ui.url("/admin/quotes"))
    rows = boss.locator("[data-testid=quote-pending]")
    await expect(rows).to_have_count(2)
    director = boss.locator(f"[data-testid=quote-pending][data-id='{big['id']}']")
    await expect(director.locator("[data-testid=cannot-decide]")).to_contain_text("总监")
    target = boss.locator(f"[data-testid=quote-pending][data-id='{pending['id']}']")
    await target.locator("input[name=note]").fill("同意，本季度冲量")
    await ui.shot("quotes", boss)
    await target.locator("[data-decide=approve]").click()
    decided = boss.locator(f"[data-testid=quote-decided][data-id='{pending['id']}']")
    await expect(decided).to_have_attribute("data-status", "approved")
    await expect(boss.locator("[data-testid=quote-pending]")).to_have_count(1)
    quote = await ui.linked.api("GET", f"/api/v1/quotes/{pending['id']}")
    assert (quote["status"], quote["decided_by"], quote["note"]) == (
        "approved",
        "zhangsan",
        "同意，本季度冲量",
    )
    # lisi sees the decision on the deal.
    await page.goto(ui.url(f"/admin/opportunities/{mine['id']}"))
    approved = page.locator(f"[data-testid=quote-row][data-id='{pending['id']}']")
    await expect(approved).to_have_attribute("data-status", "approved")


async def test_staff_cannot_reach_another_staff_members_deal(ui: UI) -> None:
    theirs = await opportunity(ui, "wangwu", "王五·私有商机")
    mine = await opportunity(ui, "lisi", "李四·年度订阅")
    page = await ui.login("lisi")
    response = await page.goto(ui.url(f"/admin/opportunities/{theirs['id']}"))
    assert response is not None and response.status == 404
    await expect(page.locator("[data-testid=not-found]")).to_be_visible()
    assert "王五·私有商机" not in await page.content()
    status, body = await session_api(page, "GET", f"/api/v1/opportunities/{theirs['id']}")
    assert (status, body) == (404, {"error": "no such opportunity", "message": NO_SUCH})
    status, listed = await session_api(page, "GET", "/api/v1/opportunities")
    assert [o["id"] for o in listed] == [mine["id"]]
    # Moving it by API is refused the same way, and nothing changes.
    status, _ = await session_api(
        page, "POST", f"/api/v1/opportunities/{theirs['id']}/stage", {"stage": "Lost"}
    )
    assert status == 404
    assert (await server(ui, theirs["id"]))["stage"] == "Qualification"

    # His own deal opens, and his manager sees it on the team board (but not wangwu's).
    await page.goto(ui.url(f"/admin/opportunities/{mine['id']}"))
    await expect(page.locator("[data-testid=deal-stage]")).to_have_text("资格确认")
    boss = await ui.login("boss", await ui.new_page())
    await boss.goto(ui.url("/admin/opportunities"))
    await expect(boss.locator(CARD.format(mine["id"]))).to_have_count(1)
    await expect(boss.locator(CARD.format(theirs["id"]))).to_have_count(0)


async def test_winning_on_the_kanban_asks_for_the_amount_and_the_contract(ui: UI) -> None:
    """Won needs an amount and a contract (issue 14): the question asks for both, an empty
    contract is refused by the API and the card stays, a filled one wins the deal."""
    made = await opportunity(ui, "lisi", "赢单测试")
    page = await ui.login("lisi")
    await page.goto(ui.url("/admin/opportunities"))
    card = page.locator(CARD.format(made["id"]))
    await card.drag_to(column(page, "Won"))
    panel = page.locator("[data-testid=gate-panel]")
    await expect(panel).to_be_visible()
    assert "合同编号" in (await panel.locator("[data-testid=gate-reason]").text_content() or "")
    await panel.locator("[data-testid=gate-retry]").click()  # the contract left empty
    await expect(panel.locator("[name=contract]")).to_be_visible()
    assert (await server(ui, made["id"]))["stage"] == "Qualification"
    await expect(column(page, "Qualification").locator(CARD.format(made["id"]))).to_have_count(1)
    await panel.locator("[name=contract]").fill("HT-2026-001")
    await panel.locator("[data-testid=gate-retry]").click()
    await expect(column(page, "Won").locator(CARD.format(made["id"]))).to_have_count(1)
    deal = await server(ui, made["id"])
    for _ in range(50):  # the card moves when the page sends the move; wait for its answer
        if deal["stage"] == "Won":
            break
        await asyncio.sleep(0.1)
        deal = await server(ui, made["id"])
    assert (deal["stage"], deal["amount"], deal["values"]["contract"]) == (
        "Won",
        1_200_000,
        "HT-2026-001",
    )
