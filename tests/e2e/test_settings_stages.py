"""设置 · 商机阶段 in the browser: an admin moves a stage to another forecast category and
changes its stagnation days; the open deals in that stage follow; staff are kept out."""

from __future__ import annotations

from scrm.models import Corp, Opportunity, Stage
from scrm.services import deals
from tests.conftest import CORP_ID
from tests.e2e.conftest import UI


async def test_admin_sets_a_stage_category_and_open_deals_follow(ui: UI) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    stages = await deals.ensure_stages(corp.id)
    solution = next(s for s in stages if not s.is_won and not s.is_lost and s.sequence > 1)
    before = deals.category_for(solution)
    opp = await Opportunity.create(
        corp_id=corp.id,
        name="年度采购",
        owner_userid="zhangsan",
        stage_id=solution.id,
        forecast_category=before,
    )
    target = "commit" if before != "commit" else "best_case"

    page = await ui.login("admin")
    await page.goto(ui.url("/admin/settings/stages"))
    row = page.locator(f"[data-stage='{solution.id}']")
    await row.locator("[data-testid=stage-edit]").click()
    form = page.locator(f"#stage-edit-{solution.id}")
    await form.locator("[data-testid=stage-category-select]").select_option(target)
    await form.locator("[data-testid=stage-stale-input]").fill("21")
    await form.locator("[data-testid=stage-save]").click()
    label = {"commit": "承诺", "best_case": "最佳情况"}[target]
    await page.locator(f"[data-stage='{solution.id}'] [data-testid=stage-category]").filter(
        has_text=label
    ).wait_for()
    assert "21" in (await row.locator("[data-testid=stage-stale]").text_content() or "")

    stored = await Stage.get(id=solution.id)
    assert (stored.forecast_category, stored.stale_days) == (target, 21)
    assert (await Opportunity.get(id=opp.id)).forecast_category == target
    # Won and lost stages offer no category to choose.
    won = next(s for s in stages if s.is_won)
    select = page.locator(f"#stage-edit-{won.id} [data-testid=stage-category-select]")
    assert await select.count() == 0


async def test_staff_cannot_open_the_stage_settings(ui: UI) -> None:
    page = await ui.login("lisi")
    resp = await page.goto(ui.url("/admin/settings/stages"))
    assert resp is not None and resp.status == 403
    assert await page.locator("[data-testid=forbidden]").count() == 1
    assert await page.locator("[data-testid=stages-table]").count() == 0
