"""`POST /api/v1/leads/import`: CSV import of leads, with a dry run; `…/import/jobs` runs the
real import in the background and reports progress (GET /api/v1/progress/{id})."""

from __future__ import annotations

import asyncio

from aiohttp import web
from redis.asyncio import Redis

from admin.api.auth import require
from admin.api.common import corp_for, error, ok
from admin.api.leads import TAG
from admin.api.openapi import API
from scrm.infra import background, keys, progress
from scrm.infra.logging import get_logger
from scrm.models import Corp, LeadSource
from scrm.services import lead_import

log = get_logger("admin.api.lead_csv")
MAX_BYTES = 5 * 1024 * 1024
EVERY = 200


async def _text(request: web.Request) -> str | web.Response:
    raw = await request.content.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        return error(413, "CSV 超过 5 MB，请拆分后再导入", code="too_large")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return error(400, "CSV 须为 UTF-8 编码（Excel：另存为「CSV UTF-8」）", code="not_utf8")


async def _source(request: web.Request, corp: Corp) -> LeadSource:
    channel = request.query.get("channel", "").strip()[:48] or "批量导入"
    source, _ = await LeadSource.get_or_create(
        platform="csv",
        key=f"csv-{corp.id}-{channel}",
        defaults={"corp_id": corp.id, "secret": "-", "channel": channel},
    )
    return source


@API.route(
    "POST",
    "/api/v1/leads/import",
    "CSV import (text/csv); ?dry_run=1 reports only",
    tag=TAG,
    also=(400,),
)
async def import_leads(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    text = await _text(request)
    if isinstance(text, web.Response):
        return text
    source = await _source(request, corp)
    dry = request.query.get("dry_run") in ("1", "true")
    try:
        report = await lead_import.import_csv(
            source, text, request.config_dict[keys.ARQ], dry_run=dry
        )
    except ValueError as exc:
        return error(400, str(exc), code="bad_csv")
    return ok({"dry_run": dry, **vars(report)})


@API.route(
    "POST",
    "/api/v1/leads/import/jobs",
    "Start a CSV import in the background; poll GET /api/v1/progress/{id}",
    tag=TAG,
    status=202,
    also=(400,),
)
async def start_import(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    text = await _text(request)
    if isinstance(text, web.Response):
        return text
    try:
        total = lead_import.check(text)  # a bad header or too many rows: refused right away
    except ValueError as exc:
        return error(400, str(exc), code="bad_csv")
    source = await _source(request, corp)
    redis = request.config_dict[keys.ARQ]
    op_id = progress.new_id()
    await progress.report(redis, op_id, done=0, total=total, state="queued")
    # The task gets the source's id and the text, never a row tied to this request.
    background.spawn(run_import(redis, source.id, text, op_id, total), name=f"import-{op_id}")
    return ok({"id": op_id, "rows": total}, status=202)


async def run_import(redis: Redis, source_id: int, text: str, op_id: str, total: int) -> None:
    """The real import, reporting every EVERY rows; the final report carries the counts."""

    async def step(done: int) -> None:
        await progress.report(redis, op_id, done=done, total=total)

    try:
        source = await LeadSource.get(id=source_id)
        await step(0)
        report = await lead_import.import_csv(
            source, text, redis, dry_run=False, progress=step, every=EVERY
        )
    except asyncio.CancelledError:  # the app is stopping
        message = "服务重启，导入已中断；已导入的行保留"
        await progress.report(redis, op_id, done=0, total=total, state="failed", message=message)
        raise
    except Exception:  # the page must learn that it stopped, whatever the cause
        log.exception("lead_import.failed", op=op_id)
        message = f"导入失败（操作 {op_id}），已导入的行保留；详情见服务日志"
        await progress.report(redis, op_id, done=0, total=total, state="failed", message=message)
        return
    rejected = len(report.errors)
    await progress.report(
        redis,
        op_id,
        done=total,
        total=total,
        state="done",
        message=(
            f"导入完成：新建 {report.created}，合并 {report.merged}，拒绝 {rejected}"
            f"；其中 {report.to_pool} 条进入公海"
        ),
        result={
            "rows": report.rows,
            "created": report.created,
            "merged": report.merged,
            "rejected": rejected,
            "to_pool": report.to_pool,
            "errors": report.errors[:100],
        },
    )
