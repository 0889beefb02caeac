"""Report queries run with JIT off and 32 MB to sort on PostgreSQL, only inside the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tortoise import connections

from scrm.services import reports_catalog
from scrm.services.reports_common import Scope
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="JIT is PostgreSQL's")


async def _jit() -> str:
    conn = connections.get("default")
    _, jit = await conn.execute_query("SHOW jit")
    _, mem = await conn.execute_query("SHOW work_mem")
    return f"{jit[0]['jit']} {mem[0]['work_mem']}"


@pytest.mark.usefixtures("db")
async def test_every_catalog_report_plans_with_jit_off() -> None:
    seen: list[str] = []

    async def probe(scope: Scope, params: dict[str, str]) -> list[dict[str, Any]]:
        seen.append(await _jit())
        return []

    async def count(scope: Scope, params: dict[str, str]) -> int:
        seen.append(await _jit())
        return 0

    report = reports_catalog._planned(
        reports_catalog.Report("probe", "探针", (), probe, count=count)
    )
    now = datetime.now(UTC)
    scope = Scope(corp_id=1, since=now - timedelta(days=1), until=now)
    assert await _jit() == "on 4MB"  # the server's defaults, which the rest of the service keeps
    assert await report.fetch(scope, {}) == []
    assert report.count is not None and await report.count(scope, {}) == 0
    assert seen == ["off 32MB", "off 32MB"]
    assert await _jit() == "on 4MB"
    # The catalog's own reports are the wrapped ones.
    assert all(r.fetch.__name__ == "planned_fetch" for r in reports_catalog.REPORTS.values())
