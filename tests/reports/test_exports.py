"""Exports: opened with openpyxl and compared to the report and the page; phones masked by
role; data scope; the audit row; over the limit, a background job with progress."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from scrm.models import AuditLog
from scrm.services import export
from tests.admin.test_sessions import _login, _user
from tests.reports.conftest import WINDOW, Linked, Month


def sheet(body: bytes) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(body), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


async def fetch(linked: Linked, path: str, headers: dict[str, str] | None = None) -> Any:
    resp = await linked.bot.get(
        path, headers=headers or {"Authorization": "Bearer test-admin-token"}
    )
    return resp


async def test_report_xlsx_and_csv_match_the_report_and_the_page(
    linked: Linked, month: Month
) -> None:
    resp = await fetch(linked, f"/api/v1/exports/order_value?format=xlsx&{WINDOW}")
    assert resp.status == 200
    assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    rows = sheet(await resp.read())
    assert rows == [
        ["负责人", "赢单数", "赢单金额（元）", "平均客单价（元）"],
        ["合计", 2, 5400.0, 2700.0],
        ["张三（zhangsan）", 2, 5400.0, 2700.0],
    ]
    text = await (await fetch(linked, f"/api/v1/exports/win_loss?format=csv&{WINDOW}")).read()
    assert text.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert table[0] == ["负责人", "赢单", "丢单", "赢率", "赢单金额（元）"]
    assert table[1] == ["合计", "2", "1", "66.67%", "5400.0"]
    # The page shows the same cells.
    await _user("boss", "admin")
    await _login(linked.bot, "boss")
    html = await (
        await linked.bot.get("/admin/reports/win_loss?since=2026-11-01&until=2026-11-30")
    ).text()
    cells = [re.sub(r"<[^>]+>|\s+", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]
    assert cells[:5] == ["合计", "2", "1", "66.67%", "5,400.00"]
    assert "/admin/reports/win_loss/drill?" in html and "data-chart" in html
    for page, source in (
        ("/admin/leads?status=mql", "leads"),
        ("/admin/customers", "customers"),
        ("/admin/opportunities", "opportunities"),
        ("/admin/compliance", "alerts"),
    ):
        listing = await (await linked.bot.get(page)).text()
        assert f'data-export="/api/v1/exports/{source}?format=xlsx' in listing
        assert source != "leads" or "format=xlsx&amp;status=mql" in listing
    audits = await AuditLog.filter(action="export").values_list("object_id", "data")
    assert [(o, d["format"], d["rows"]) for o, d in audits] == [
        ("order_value", "xlsx", 2),
        ("win_loss", "csv", 3),
    ]


async def test_list_exports_mask_phones_below_admin_and_keep_the_scope(
    linked: Linked, month: Month
) -> None:
    full = sheet(await (await fetch(linked, "/api/v1/exports/leads?format=xlsx")).read())
    assert full[0][:4] == ["ID", "姓名", "手机", "渠道"]
    assert sorted(r[2] for r in full[1:]) == [f"1390000000{i}" for i in range(1, 5)]
    issued = await linked.api(
        "POST",
        "/api/v1/api-tokens",
        {"name": "王五", "role": "manager", "userid": "wangwu", "team": ["lisi"]},
        201,
    )
    boss = {"Authorization": f"Bearer {issued['token']}"}
    mine = sheet(await (await fetch(linked, "/api/v1/exports/leads?format=xlsx", boss)).read())
    assert sorted((r[1], r[2]) for r in mine[1:]) == [("L2", "139****0002"), ("L4", "139****0004")]
    deals = sheet(
        await (await fetch(linked, "/api/v1/exports/opportunities?format=xlsx", boss)).read()
    )
    assert sorted((r[1], r[3], r[4], r[5]) for r in deals[1:]) == [
        ("B", "输单", 6000.0, "已排除"),
        ("D", "商务报价", 3000.0, "承诺"),
    ]
    audit = await AuditLog.filter(action="export", object_id="leads").order_by("id")
    assert [a.data["phones"] for a in audit] == ["full", "masked"]
    assert (await fetch(linked, "/api/v1/exports/nothing?format=xlsx")).status == 404
    assert (await fetch(linked, "/api/v1/exports/leads?format=pdf")).status == 422


async def test_a_large_export_runs_in_the_background_with_progress(
    linked: Linked, month: Month, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "SYNC_LIMIT", 2)  # four leads are "large" here
    resp = await fetch(linked, "/api/v1/exports/leads?format=xlsx")
    assert resp.status == 202
    job = await resp.json()
    queued = await linked.api("GET", f"/api/v1/progress/{job['id']}")
    assert (queued["state"], queued["total"]) == ("queued", 4)
    await linked.drain()
    done = await linked.api("GET", f"/api/v1/progress/{job['id']}")
    assert (done["state"], done["done"], done["result"]["filename"]) == ("done", 4, "线索.xlsx")
    body = await (await fetch(linked, done["result"]["download"])).read()
    direct = await (await fetch(linked, "/api/v1/exports/customers?format=xlsx")).read()
    assert len(sheet(body)) == 5 and sheet(body)[0][0] == "ID"
    assert sheet(direct)[0][0] == "外部联系人ID"
    # Someone else cannot fetch it.
    issued = await linked.api(
        "POST", "/api/v1/api-tokens", {"name": "x", "role": "admin", "userid": "wangwu"}, 201
    )
    other = {"Authorization": f"Bearer {issued['token']}"}
    assert (await fetch(linked, done["result"]["download"], other)).status == 404
    audit = await AuditLog.get(action="export", object_id="leads")
    assert (audit.data["how"], audit.data["rows"]) == ("background", 4)


async def test_a_long_report_page_shows_the_first_rows_and_points_to_the_export(
    linked: Linked, month: Month, monkeypatch: pytest.MonkeyPatch
) -> None:
    from admin.web.pages import reports as pages

    monkeypatch.setattr(pages, "SHOWN_ROWS", 1)
    await _user("boss", "admin")
    await _login(linked.bot, "boss")
    html = await (
        await linked.bot.get("/admin/reports/win_loss?since=2026-11-01&until=2026-11-30")
    ).text()
    assert "共 3 行，这里显示前 1 行" in html
    assert len(re.findall(r"<tr>\s*<td", html)) == 1
