"""Read side of the deal pipeline: stages, opportunities, one deal in full, quotes — all scoped."""

from __future__ import annotations

from aiohttp import web

from admin.api.auth import actor, in_scope
from admin.api.common import corp_for, error, not_found, ok, owned, query_int
from admin.api.deal_views import (
    QUOTE_STATUSES,
    OpportunityDetail,
    OpportunityRow,
    QuoteRow,
    StageOut,
    detail,
    opportunities,
    quote_list,
    quote_row,
)
from admin.api.openapi import API
from scrm.models import Opportunity, Quote, Stage
from scrm.services import deals

TAG = "deals"


async def visible_opportunity(request: web.Request) -> Opportunity:
    """`{id}` in the caller's corp and scope; anything else is a 404 (ids are not revealed)."""
    _, opp = await owned(request, Opportunity, "opportunity")
    if not in_scope(request, opp.owner_userid):
        raise not_found("opportunity")
    return opp


@API.route(
    "GET", "/api/v1/stages", "Pipeline stages in order", tag=TAG, response=StageOut, many=True
)
async def list_stages(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    stages = await deals.ensure_stages(corp.id)
    return ok(
        [
            StageOut(
                id=s.id,
                name=s.name,
                sequence=s.sequence,
                probability=s.probability,
                is_won=s.is_won,
                is_lost=s.is_lost,
                required_fields=deals.required(s),
            ).model_dump()
            for s in stages
        ]
    )


@API.route(
    "GET",
    "/api/v1/opportunities",
    "Opportunities in scope (filters: stage, owner)",
    tag=TAG,
    response=OpportunityRow,
    many=True,
)
async def list_opportunities(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    stage = None
    if request.query.get("stage"):
        stage = await Stage.get_or_none(corp_id=corp.id, name=request.query["stage"])
        if stage is None:
            return error(422, f"unknown stage {request.query['stage']!r}")
    owner = request.query.get("owner", "")
    if owner and not in_scope(request, owner):
        return ok([])  # someone else's: nothing the caller may see
    rows = await opportunities(corp.id, actor(request).owners(), stage=stage, owner=owner)
    return ok(rows[: query_int(request, "limit", 500, 1, 2000)])


@API.route(
    "GET",
    "/api/v1/opportunities/{id}",
    "One opportunity: stage history, quotes, contracts",
    tag=TAG,
    response=OpportunityDetail,
)
async def get_opportunity(request: web.Request) -> web.Response:
    return ok(await detail(await visible_opportunity(request)))


@API.route(
    "GET",
    "/api/v1/quotes",
    "Quotes in scope (?status=pending|approved|rejected|decided)",
    tag=TAG,
    response=QuoteRow,
    many=True,
)
async def list_quotes(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    raw = request.query.get("status", "")
    if raw and raw not in QUOTE_STATUSES:
        return error(422, f"status must be one of {', '.join(QUOTE_STATUSES)}")
    limit = query_int(request, "limit", 200, 1, 1000)
    return ok(
        await quote_list(corp.id, actor(request).owners(), QUOTE_STATUSES.get(raw, ()), limit)
    )


@API.route("GET", "/api/v1/quotes/{id}", "One quote", tag=TAG, response=QuoteRow)
async def get_quote(request: web.Request) -> web.Response:
    _, q = await owned(request, Quote, "quote")
    opp = await Opportunity.get(id=q.opportunity_id)  # type: ignore[attr-defined]
    if not in_scope(request, opp.owner_userid):
        raise not_found("quote")
    return ok(quote_row(q, opp))
