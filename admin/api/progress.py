"""`GET /api/v1/progress/{id}`: how far a long operation has got (ids are unguessable)."""

from __future__ import annotations

from aiohttp import web

from admin.api.common import not_found, ok
from admin.api.openapi import API
from scrm.infra import keys, progress


@API.route("GET", "/api/v1/progress/{id}", "Progress of a long operation", tag="progress")
async def get_progress(request: web.Request) -> web.Response:
    op_id = request.match_info["id"]
    found = await progress.read(request.config_dict[keys.ARQ], op_id) if len(op_id) <= 64 else None
    if found is None:
        raise not_found("operation")
    return ok(found)
