"""`/api/v1/exports/{source}`: any report or list as CSV or XLSX. Up to 10 000 rows the file
comes back at once; more runs as a background job (poll /api/v1/progress/{id}, then fetch
/api/v1/exports/files/{id}). Every export is audited."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from admin.api.auth import actor, require, who
from admin.api.common import corp_for, error, not_found, ok
from admin.api.openapi import API
from admin.api.reports_scope import scope_for
from admin.api.reports_views import params_of
from scrm.infra import keys, progress
from scrm.infra.job_names import EXPORT_FILE
from scrm.infra.logging import get_logger
from scrm.models import AuditLog, Corp
from scrm.services import export, export_mass_sends, export_sources
from scrm.services.export_run import file_key, filename, to_job

log = get_logger("admin.api.exports")
TAG = "exports"
LIST_FILTERS = ("status", "grade", "send")


def _download(body: bytes, name: str, fmt: str) -> web.Response:
    return web.Response(
        body=body,
        headers={
            "Content-Type": export.FORMATS[fmt],
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        },
    )


async def _audit(
    request: web.Request, corp: Corp, req: export_sources.Request, fmt: str, rows: int, how: str
) -> None:
    await AuditLog.create(
        corp_id=corp.id,
        actor=who(request),
        action="export",
        object_type="exports",
        object_id=req.source[:64],
        data={
            "path": request.path,
            "format": fmt,
            "rows": rows,
            "how": how,
            "phones": "full" if req.phones else "masked",
            "query": {k: v[:64] for k, v in request.query.items()},
        },
    )


@API.route(
    "GET",
    "/api/v1/exports/{source}",
    "Export a report (its key) or a list (leads, customers, opportunities, alerts, "
    "mass_send_recipients with ?send=ID) as "
    "?format=csv|xlsx; 200 the file, 202 a background job when over 10 000 rows; "
    "403 alerts and 群发 below manager; 404 an unknown source",
    tag=TAG,
    media="application/octet-stream",
    status=202,
)
async def start(request: web.Request) -> web.StreamResponse:
    source = request.match_info["source"]
    if not export_sources.known(source):
        raise not_found("export source")
    if source in ("alerts", "mass_send_recipients"):
        require(request, "manager")
    fmt = request.query.get("format", "xlsx")
    if fmt not in export.FORMATS:
        return error(422, "format must be csv or xlsx")
    corp = await corp_for(request)
    params = params_of(request)
    for name in LIST_FILTERS:
        value = request.query.get(name, "")
        if value:
            params[name] = value[:32]
    scope = await scope_for(request, corp)
    if source == "mass_send_recipients" and not actor(request).at_least("ops"):
        params[export_mass_sends.CREATED_BY] = who(request)  # as the 群发 list: one's own
    if source in export_sources.LISTS and scope.channel:
        params["channel"] = scope.channel
    req = export_sources.Request(source, scope, actor(request).role, params)
    total = await export_sources.count(req)
    headers, kinds = export_sources.headers(source)
    if total <= export.SYNC_LIMIT:
        body = await export.write(
            fmt, export_sources.title(source), headers, kinds, export_sources.batches(req)
        )
        await _audit(request, corp, req, fmt, total, "direct")
        return _download(body, filename(source, fmt), fmt)
    op_id = progress.new_id()
    redis = request.config_dict[keys.ARQ]
    await progress.report(redis, op_id, done=0, total=total, state="queued")
    await redis.enqueue_job(EXPORT_FILE, to_job(req), fmt, op_id, total, who(request))
    await _audit(request, corp, req, fmt, total, "background")
    return ok({"id": op_id, "rows": total, "progress": f"/api/v1/progress/{op_id}"}, 202)


@API.route(
    "GET",
    "/api/v1/exports/files/{id}",
    "Download a finished background export (only its requester; 404 otherwise)",
    tag=TAG,
    media="application/octet-stream",
)
async def download(request: web.Request) -> web.StreamResponse:
    op_id = request.match_info["id"]
    redis = request.config_dict[keys.ARQ]
    state = await progress.read(redis, op_id) if len(op_id) <= 64 else None
    result = (state or {}).get("result") or {}
    if not result or result.get("owner") != who(request):
        raise not_found("export")
    body = await redis.get(file_key(op_id))
    if body is None:
        raise not_found("export")
    log.info("export.download", op=op_id, actor=who(request))
    return _download(body, str(result["filename"]), str(result["format"]))
