"""设置 → 企业: 「立即同步」 runs a corp sync as a job, follows it, and shows the last run."""

from __future__ import annotations

from scrm.infra import keys
from scrm.models import Corp, Customer, SyncRun
from scrm.sync.corp import lock_name
from tests.conftest import CORP_ID
from tests.e2e.conftest import UI
from tests.livecode.conftest import Linked


async def test_sync_now_runs_and_shows_the_counts(ui: UI) -> None:
    friends = [{"userid": "zhangsan", "name": f"老客户{n}"} for n in range(3)]
    await ui.linked.sandbox.control("friends", {"friends": friends})
    page = await ui.login("admin")
    await page.goto(ui.url("/admin/settings"))
    last = page.locator(f"[data-testid=corp-sync-last-{CORP_ID}]")
    assert "尚未同步" in (await last.text_content() or "")
    async with page.expect_response(lambda r: r.url.endswith("/sync")) as started:
        await page.click(f"[data-testid=corp-sync-{CORP_ID}]")
    assert (await started.value).status == 202
    await ui.linked.drain()  # the worker runs the queued job
    await page.wait_for_function(
        f"document.querySelector('[data-testid=corp-sync-bar-{CORP_ID}]').dataset.state === 'done'"
    )
    await page.locator(f"[data-testid=corp-sync-counts-{CORP_ID}]").wait_for()
    text = await page.locator(f"[data-testid=corp-sync-last-{CORP_ID}]").text_content() or ""
    assert "已完成" in text and "API 调用" in text
    counts = await page.locator(f"[data-testid=corp-sync-counts-{CORP_ID}]").text_content()
    assert "客户" in (counts or "") and "3" in (counts or "")
    assert await Customer.filter(name__startswith="老客户").count() == 3
    assert (await SyncRun.get()).trigger == "admin"
    await page.evaluate("window.scrollTo(0, 0)")
    await ui.shot("settings-corp-sync", page)


async def test_a_second_start_is_told_a_sync_is_running(linked: Linked) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    other = linked.bot.app[keys.ARQ].lock(lock_name(corp.id), timeout=30)
    assert await other.acquire(blocking=False)
    body = await linked.api("POST", f"/api/v1/corps/{corp.id}/sync", {}, status=409)
    assert "正在同步" in str(body)
    await other.release()
    started = await linked.api("POST", f"/api/v1/corps/{corp.id}/sync", {}, status=202)
    await linked.drain()
    runs = await linked.api("GET", f"/api/v1/corps/{corp.id}/sync-runs")
    assert [r["status"] for r in runs] == ["done"] and runs[0]["counts"]["staff"]["added"] >= 0
    progress = await linked.api("GET", f"/api/v1/progress/{started['id']}")
    assert progress["state"] == "done"
    await linked.api("GET", "/api/v1/corps/999999/sync-runs", status=404)
