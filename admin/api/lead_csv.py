"""`POST /api/v1/leads/import`: CSV import of leads, with a dry run."""

from __future__ import annotations

from aiohttp import web

from admin.api.auth import require
from admin.api.common import corp_for, error, ok
from admin.api.leads import TAG
from admin.api.openapi import API
from bot import keys
from scrm.models import LeadSource
from scrm.services import lead_import


@API.route(
    "POST", "/api/v1/leads/import", "CSV import (text/csv); ?dry_run=1 reports only", tag=TAG
)
async def import_leads(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    raw = await request.content.read(5 * 1024 * 1024 + 1)
    if len(raw) > 5 * 1024 * 1024:
        return error(413, "CSV over 5 MB: split it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return error(400, "the CSV must be UTF-8 (Excel: 另存为 CSV UTF-8)")
    channel = request.query.get("channel", "csv")
    source, _ = await LeadSource.get_or_create(
        platform="csv",
        key=f"csv-{corp.id}-{channel}",
        defaults={"corp_id": corp.id, "secret": "-", "channel": channel},
    )
    dry = request.query.get("dry_run") in ("1", "true")
    try:
        report = await lead_import.import_csv(source, text, request.app[keys.ARQ], dry_run=dry)
    except ValueError as exc:
        return error(400, str(exc))
    return ok({"dry_run": dry, **vars(report)})
