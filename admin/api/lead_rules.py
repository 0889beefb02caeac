"""`/api/v1/scoring-rules`, `/api/v1/assignment-rules`, `/api/v1/lead-settings`: rules as data."""

from __future__ import annotations

import json
from typing import Literal

from aiohttp import web

from admin.api.admin_settings_rules import rule_out
from admin.api.auth import require
from admin.api.common import corp_for, error, ok, parse
from admin.api.leads import TAG
from admin.api.openapi import API
from scrm.infra import keys
from scrm.infra.enqueue import kick_drain
from scrm.infra.job_names import RESCORE_LEADS
from scrm.infra.schemas import Strict
from scrm.leads import schemas as s
from scrm.models import AssignmentRule, LeadSettings, ScoringRule
from scrm.services import lead_sources, scoring


@API.route(
    "POST",
    "/api/v1/scoring-rules",
    "Add a scoring rule",
    tag=TAG,
    body=s.ScoringRuleIn,
    response=s.ScoringRuleOut,
    status=201,
)
async def add_rule(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, s.ScoringRuleIn)
    data = body.model_dump()
    scoring.forget(corp.id)
    await request.config_dict[keys.ARQ].enqueue_job(RESCORE_LEADS, corp.id, _defer_by=1)
    rule = await ScoringRule.create(
        corp_id=corp.id, value_json=json.dumps(data.pop("value"), ensure_ascii=False), **data
    )
    return ok({**body.model_dump(), "id": rule.id}, status=201)


@API.route(
    "GET", "/api/v1/scoring-rules", "Scoring rules", tag=TAG, response=s.ScoringRuleOut, many=True
)
async def list_rules(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    rows = await ScoringRule.filter(corp_id=corp.id, active=True).order_by("id")
    return ok([rule_out(r) for r in rows])


@API.route(
    "POST",
    "/api/v1/assignment-rules",
    "Add an assignment rule",
    tag=TAG,
    body=s.AssignmentRuleIn,
    response=s.AssignmentRuleOut,
    status=201,
)
async def add_assignment_rule(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, s.AssignmentRuleIn)
    rule = await AssignmentRule.create(corp_id=corp.id, **body.model_dump())
    return ok({**body.model_dump(), "id": rule.id}, status=201)


@API.route(
    "PUT",
    "/api/v1/lead-settings",
    "Thresholds, grades, decay, caps, recycling",
    tag=TAG,
    body=s.LeadSettingsIO,
    response=s.LeadSettingsIO,
)
async def put_settings(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, s.LeadSettingsIO)
    await LeadSettings.update_or_create(corp_id=corp.id, defaults=body.model_dump())
    scoring.forget(corp.id)
    return ok(body.model_dump())


@API.route(
    "GET", "/api/v1/lead-settings", "Current lead settings", tag=TAG, response=s.LeadSettingsIO
)
async def get_settings(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    current = await scoring.settings_for(corp.id)
    return ok(
        s.LeadSettingsIO.model_validate(
            {f: getattr(current, f) for f in s.LeadSettingsIO.model_fields}
        ).model_dump()
    )


class ReplayIn(Strict):
    ids: list[int] = []
    status: Literal["failed", "ignored", "done", "dead", "retry"] | None = None


@API.route(
    "POST",
    "/api/v1/scoring-rules/recompute",
    "Re-score every lead (background job)",
    tag=TAG,
    status=202,
)
async def recompute(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    await request.config_dict[keys.ARQ].enqueue_job(RESCORE_LEADS, corp.id)
    return ok({"queued": True}, status=202)


@API.route(
    "POST",
    "/api/v1/lead-events/replay",
    "Re-run stored pushes (by ids or status)",
    tag=TAG,
    body=ReplayIn,
)
async def replay(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, ReplayIn)
    if not body.ids and not body.status:
        return error(422, "name ids or a status")
    count = await lead_sources.replay(corp.id, body.ids, body.status)
    await kick_drain(request.config_dict[keys.ARQ])
    return ok({"replayed": count})
