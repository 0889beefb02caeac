"""What can be exported: every report, and the lists (customers, leads, opportunities,
alerts, 群发 recipients), each with Chinese headers, the caller's data scope, and phones
masked by role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrm.models import Stage
from scrm.services import export_mass_sends, reports_display
from scrm.services.export_lists import (
    HEADERS,
    LISTS,
    PHONE_ROLES,
    Page,
    Request,
    alerts_query,
    customers_query,
    leads_query,
    opportunities_query,
)
from scrm.services.reports_catalog import REPORTS

__all__ = ["LISTS", "PHONE_ROLES", "Request", "batches", "count", "headers", "known", "title"]


def title(source: str) -> str:
    return REPORTS[source].title if source in REPORTS else LISTS[source]


def known(source: str) -> bool:
    return source in REPORTS or source in LISTS


def headers(source: str) -> tuple[list[str], list[str]]:
    """(Chinese headers, cell kinds) of a source."""
    if source in REPORTS:
        columns = REPORTS[source].columns
        return [c.label for c in columns], [c.kind for c in columns]
    pairs = export_mass_sends.HEADERS if source == "mass_send_recipients" else HEADERS[source]
    return [h for h, _ in pairs], [k for _, k in pairs]


async def count(req: Request) -> int:
    """How many rows the export will have (a report: its rows; a list: the query's)."""
    if req.source in REPORTS:
        return len(await REPORTS[req.source].fetch(req.scope, req.params))
    if req.source == "leads":
        return await leads_query(req).count()
    if req.source == "opportunities":
        return await opportunities_query(req).count()
    if req.source == "customers":
        return await customers_query(req).count()
    if req.source == "mass_send_recipients":
        return await export_mass_sends.query(req).count()
    return await alerts_query(req).count()


async def batches(req: Request) -> AsyncIterator[list[list[Any]]]:
    """Typed cells in batches of BATCH rows, walking ids upward (no OFFSET at 100 000 rows)."""
    names = await reports_display.staff_names(req.scope.corp_id)
    if req.source in REPORTS:
        report = REPORTS[req.source]
        rows = await report.fetch(req.scope, req.params)
        yield reports_display.table(report, rows, names, req.scope.tz)
        return
    stages = dict(await Stage.filter(corp_id=req.scope.corp_id).values_list("id", "name"))
    page = Page(req, names, stages)
    step = {
        "leads": page.leads,
        "opportunities": page.opportunities,
        "customers": page.customers,
        "alerts": page.alerts,
        "mass_send_recipients": lambda after: export_mass_sends.rows(page, after),
    }[req.source]
    after = 0
    while True:
        found, after = await step(after)
        if not found:
            return
        yield found
