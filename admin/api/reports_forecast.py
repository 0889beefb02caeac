"""`/api/v1/forecast/...`: commit submissions, targets, and each stage's forecast category."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from admin.api.auth import actor, in_scope, require, who
from admin.api.common import corp_for, error, ok, owned, parse
from admin.api.openapi import API
from admin.api.reports_views import params_of
from scrm.infra.schemas import Strict
from scrm.models import ForecastSubmission, SalesTarget, Staff, Stage
from scrm.services import deals, reports_forecast

TAG = "forecast"
MONTH = r"^20\d\d-(0[1-9]|1[0-2])$"
MAX_AMOUNT = 10**15  # 10 万亿元 in 分: far above any real figure, inside BIGINT


class SubmissionIn(Strict):
    userid: str = Field(default="", max_length=64, description="empty: yourself")
    month: str = Field(pattern=MONTH)
    amount: int = Field(ge=0, le=MAX_AMOUNT, description="minor units (分)")
    note: str = Field(default="", max_length=255)


class TargetIn(Strict):
    userid: str = Field(min_length=1, max_length=64)
    month: str = Field(pattern=MONTH)
    amount: int = Field(ge=0, le=MAX_AMOUNT, description="minor units (分)")


class FigureOut(BaseModel):
    userid: str
    month: str
    amount: int


class StageIn(Strict):
    forecast_category: str | None = Field(
        default=None, pattern="^(pipeline|best_case|commit|closed|omitted)$"
    )
    stale_days: int | None = Field(default=None, ge=1, le=365)


class StageForecastOut(BaseModel):
    id: int
    name: str
    probability: int
    forecast_category: str
    stale_days: int


async def _member(request: web.Request, corp_id: int, userid: str) -> str | web.Response:
    """The member a figure is for: a known staff member in the caller's scope."""
    if not await Staff.exists(corp_id=corp_id, userid=userid):
        return error(422, f"unknown member {userid!r}")
    if not in_scope(request, userid):
        return error(403, "you may enter figures for yourself (or your team) only")
    return userid


@API.route(
    "POST",
    "/api/v1/forecast/submissions",
    "Submit (or replace) a member's commit for a month; 403 outside your scope",
    tag=TAG,
    body=SubmissionIn,
    response=FigureOut,
    status=201,
)
async def submit(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    body = await parse(request, SubmissionIn)
    userid = body.userid or actor(request).userid
    if not userid:
        return error(422, "name the member (userid)")
    member = await _member(request, corp.id, userid)
    if isinstance(member, web.Response):
        return member
    row = await reports_forecast.submit(
        corp.id, member, body.month, body.amount, by=who(request), note=body.note
    )
    return ok(FigureOut(userid=row.userid, month=row.month, amount=row.amount).model_dump(), 201)


@API.route(
    "GET",
    "/api/v1/forecast/submissions",
    "Submissions of a month (?month=YYYY-MM), within your scope",
    tag=TAG,
    response=FigureOut,
    many=True,
)
async def submissions(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    month = params_of(request).get("month")
    if not month:
        return error(422, "pass ?month=YYYY-MM")
    q = ForecastSubmission.filter(corp_id=corp.id, month=month)
    owners = actor(request).owners()
    if owners is not None:
        q = q.filter(userid__in=owners)
    rows = await q.order_by("userid").values("userid", "month", "amount")
    return ok(rows)


@API.route(
    "PUT",
    "/api/v1/forecast/targets",
    "Set a member's target for a month (managers: their team); 403 outside your scope",
    tag=TAG,
    body=TargetIn,
    response=FigureOut,
)
async def set_target(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    body = await parse(request, TargetIn)
    member = await _member(request, corp.id, body.userid)
    if isinstance(member, web.Response):
        return member
    row: SalesTarget = await reports_forecast.set_target(
        corp.id, member, body.month, body.amount, by=who(request)
    )
    return ok(FigureOut(userid=row.userid, month=row.month, amount=row.amount).model_dump())


def _stage_out(stage: Stage) -> dict[str, object]:
    return StageForecastOut(
        id=stage.id,
        name=stage.name,
        probability=stage.probability,
        forecast_category=deals.category_for(stage),
        stale_days=stage.stale_days,
    ).model_dump()


@API.route(
    "GET",
    "/api/v1/forecast/stages",
    "Each stage's forecast category and stagnation days",
    tag=TAG,
    response=StageForecastOut,
    many=True,
)
async def stages(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    return ok([_stage_out(s) for s in await deals.ensure_stages(corp.id)])


@API.route(
    "GET",
    "/api/v1/forecast/stages/{id}",
    "One stage's forecast settings; 404 if not in your corp",
    tag=TAG,
    response=StageForecastOut,
)
async def get_stage(request: web.Request) -> web.Response:
    _, stage = await owned(request, Stage, "stage")
    return ok(_stage_out(stage))


@API.route(
    "PATCH",
    "/api/v1/forecast/stages/{id}",
    "Configure a stage's forecast category and stagnation days (admins); 404 if unknown",
    tag=TAG,
    body=StageIn,
    response=StageForecastOut,
)
async def configure_stage(request: web.Request) -> web.Response:
    require(request, "admin")
    _, stage = await owned(request, Stage, "stage")
    body = await parse(request, StageIn)
    await reports_forecast.configure_stage(
        stage, category=body.forecast_category, stale_days=body.stale_days
    )
    return ok(_stage_out(stage))
