"""报表 in the browser: a manager opens a report, drills from a number to the deals behind it,
and downloads the Excel export, which holds what the page showed."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.e2e.conftest import UI
from tests.reports.conftest import build_month

WINDOW = "since=2026-11-01&until=2026-11-30"


async def test_a_manager_reads_a_report_drills_down_and_exports(ui: UI) -> None:
    await build_month(ui.linked)
    page = await ui.login("boss")  # manager zhangsan, team lisi
    await page.click("[data-nav=reports]")
    await page.click("[data-report=order_value]")
    await page.goto(ui.url(f"/admin/reports/order_value?{WINDOW}"))
    await page.wait_for_selector("[data-testid=report-table] tbody tr")
    shown = await page.eval_on_selector_all(
        "[data-testid=report-table] tbody tr",
        "rows => rows.map(r => Array.from(r.querySelectorAll('td')).slice(0, 4)"
        ".map(td => td.innerText.trim()))",
    )
    assert shown == [
        ["合计", "2", "5,400.00", "2,700.00"],
        ["张三（zhangsan）", "2", "5,400.00", "2,700.00"],
    ]
    assert await page.evaluate("!!document.getElementById('report-chart').chart")
    await ui.shot("report-order-value", page)

    # Drill from zhangsan's "2" to the two won deals, and on to one of them.
    await page.click("[data-testid=report-table] tbody tr:nth-child(2) a[data-drill] >> nth=1")
    await page.wait_for_selector("[data-testid=drill-table]")
    names = await page.eval_on_selector_all(
        "[data-testid=drill-table] tbody tr td:first-child", "tds => tds.map(t => t.innerText)"
    )
    assert sorted(names) == ["A", "C"]
    await ui.shot("report-drill", page)
    await page.click("[data-testid=drill-table] a >> text=A")
    await page.wait_for_url("**/admin/opportunities/*")

    # The export downloads through the page's script; the file holds the page's numbers.
    await page.goto(ui.url(f"/admin/reports/order_value?{WINDOW}"))
    async with page.expect_download() as info:
        await page.click("[data-testid=export-xlsx]")
    download = await info.value
    assert download.suggested_filename == "客单价.xlsx"
    path = await download.path()
    book = load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[1:] == [["合计", 2, 5400.0, 2700.0], ["张三（zhangsan）", 2, 5400.0, 2700.0]]
