"""`/api/v1/corps/{id}/sync`: start a corp sync (an arq job, followed through the progress API)
and read the last runs with their counts and errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from redis.exceptions import RedisError

from admin.api.admin_settings_tasks import Started
from admin.api.auth import actor, require
from admin.api.common import error, not_found, ok, path_id, query_int
from admin.api.openapi import API
from scrm.infra import keys, progress
from scrm.infra.job_names import CORP_SYNC
from scrm.models import Corp, SyncRun
from scrm.sync.corp import BUSY, is_running

TAG = "settings"


class SyncRunOut(BaseModel):
    id: int
    trigger: str
    only: str
    status: str
    created_at: datetime
    finished_at: datetime | None
    counts: dict[str, dict[str, int]]
    api_calls: int
    rows_written: int
    duration_ms: int
    errors: list[str]
    resumed: bool


def run_out(row: SyncRun) -> dict[str, Any]:
    return SyncRunOut.model_validate(row, from_attributes=True).model_dump()


async def _corp(request: web.Request) -> Corp:
    """The caller's own corp (any corp for the bootstrap token); another corp is a 404."""
    require(request, "admin")
    wanted, bound = path_id(request, "corp"), actor(request).corp_pk
    corp = await Corp.get_or_none(id=wanted) if bound in (None, wanted) else None
    if corp is None:
        raise not_found("corp")
    return corp


@API.route(
    "POST",
    "/api/v1/corps/{id}/sync",
    "Start a full sync from WeCom (202, poll /api/v1/progress/{id}); 409 while one runs",
    tag=TAG,
    response=Started,
    status=202,
    also=(409, 503),
)
async def start_sync(request: web.Request) -> web.Response:
    corp = await _corp(request)
    if not corp.active:
        return error(409, "企业已停用，不能同步")
    arq = request.config_dict[keys.ARQ]
    try:
        if await is_running(arq, corp.id):
            return error(409, BUSY)
        op_id = progress.new_id()
        await progress.report(arq, op_id, done=0, total=1, state="queued", message="排队中")
        await arq.enqueue_job(CORP_SYNC, corp.id, "admin", "", op_id)
    except (RedisError, OSError):
        return error(503, "任务队列（Redis）不可用，请稍后再试")
    return ok({"id": op_id, "started": True}, status=202)


@API.route(
    "GET",
    "/api/v1/corps/{id}/sync-runs",
    "The corp's last syncs, newest first (?limit=1..50)",
    tag=TAG,
    response=SyncRunOut,
    many=True,
)
async def list_runs(request: web.Request) -> web.Response:
    corp = await _corp(request)
    limit = query_int(request, "limit", 10, 1, 50)
    rows = await SyncRun.filter(corp_id=corp.id).order_by("-id").limit(limit)
    return ok([run_out(r) for r in rows])
