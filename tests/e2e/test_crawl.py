"""Issue 18's guard: every admin page, for every role, at 1280 and 390 px — no visible
English outside the allow-list, no unstyled error page, no console error, and every time in
the corp's one format. One browser and one seeded database for the whole crawl."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from scrm.models import Corp, Customer, LeadActivity, Staff
from tests.e2e.conftest import UI, USERS
from tests.e2e.crawl import ALLOWED, Findings, check, links, pattern, watch_console
from tests.leads.customer_seed import seed_customers

MAX_PAGES = 45  # per role: one visit per kind of page reaches every page the menu leads to


async def _seed(ui: UI) -> set[str]:
    """Enough data that list pages show rows (and their times), not only empty states."""
    seeded = await seed_customers(ui.linked)
    await ui.linked.api(
        "POST",
        "/api/v1/opportunities",
        {
            "name": "门店年度订阅",
            "owner_userid": "lisi",
            "amount": 1_280_000,
            "lead_id": seeded.lead.id,
        },
        status=201,
    )
    for kind in ("sla_breach", "wecom_add"):
        await LeadActivity.create(
            corp_id=seeded.corp.id, lead=seeded.lead, kind=kind, at=datetime.now(UTC), data={}
        )
    corp = await Corp.get(id=seeded.corp.id)
    # People's own names and login names are data, not UI text.
    names = set(USERS) | set(await Staff.filter(corp_id=corp.id).values_list("userid", flat=True))
    names |= set(await Customer.filter(corp_id=corp.id).values_list("external_userid", flat=True))
    return names


async def test_every_page_for_every_role_is_chinese_styled_and_on_one_clock(ui: UI) -> None:
    started = time.monotonic()
    allowed = ALLOWED | await _seed(ui)
    found = Findings()
    visited = 0
    for username in ("admin", "ops", "boss", "lisi"):
        page = await ui.new_page()
        watch_console(page, found)
        await ui.login(username, page)
        queue, seen = ["/admin/"], {pattern("/admin/")}
        while queue and len(seen) <= MAX_PAGES:
            path = queue.pop(0)
            resp = await page.goto(ui.url(path))
            status = resp.status if resp else 0
            found.statuses[f"{username} {path}"] = status
            await page.wait_for_load_state("load")
            for width in (1280, 390):
                await page.set_viewport_size({"width": width, "height": 800})
                await check(page, path, found, allowed, width)
            await page.set_viewport_size({"width": 1280, "height": 800})
            visited += 1
            for href in await links(page):
                if pattern(href) not in seen:
                    seen.add(pattern(href))
                    queue.append(href)
        if username == "lisi":  # the sidebar, as a member opens it beside a chat
            sidebar = await ui.login("lisi", await ui.new_page())
            await sidebar.goto(ui.url("/sidebar/?external_userid=wmLisiA"))
            watch_console(sidebar, found)
            await sidebar.wait_for_selector("#card:not([hidden])")
            for width in (390, 1280):
                await sidebar.set_viewport_size({"width": width, "height": 800})
                await check(sidebar, "/sidebar/", found, allowed, width, layout="#card")
            visited += 1
            await sidebar.context.close()
        await page.context.close()
    elapsed = time.monotonic() - started
    print(f"crawl: {visited} page visits in {elapsed:.1f} s")
    refused = {k: v for k, v in found.statuses.items() if v >= 400}
    assert not refused, f"the menu or a page links to pages the role may not open: {refused}"
    assert not found.unstyled, found.unstyled
    assert not found.console, found.console
    assert not found.times, found.times
    assert not found.english, {w: sorted(p)[:3] for w, p in sorted(found.english.items())}
    assert visited >= 40 and elapsed < 90


async def test_error_pages_are_styled_chinese_and_say_what_the_role_lacks(ui: UI) -> None:
    page = await ui.login("ops")
    resp = await page.goto(ui.url("/admin/no-such-page"))
    assert resp is not None and resp.status == 404
    box = page.locator("[data-testid=error-page]")
    assert await box.get_attribute("data-status") == "404"
    assert "页面不存在" in (await page.title())
    assert "Not Found" not in await page.content()
    assert await page.locator("header.topbar").count() == 1  # the layout, not a bare text

    # An ops lead ranks above a manager: the refusal names what ops lacks, not 「主管或管理员」.
    resp = await page.goto(ui.url("/admin/compliance"))
    assert resp is not None and resp.status == 403
    said = await page.text_content("[data-testid=forbidden]") or ""
    assert "运营账号没有合规审查权限" in said and "主管或管理员" not in said

    staff = await ui.login("lisi", await ui.new_page())
    resp = await staff.goto(ui.url("/admin/settings/audit"))
    assert resp is not None and resp.status == 403
    said = await staff.text_content("[data-testid=forbidden]") or ""
    assert "管理员" in said and "「员工」" in said
