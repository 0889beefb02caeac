"""`/api/v1/opportunities`, quotes, contracts, payments and campaigns."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from admin.api import refs
from admin.api.auth import actor, in_scope, require
from admin.api.common import corp_for, error, not_found, ok, owned, parse, utc
from admin.api.openapi import API
from scrm.infra.schemas import Strict
from scrm.models import Campaign, Contract, Opportunity, Quote
from scrm.services import deals, quotes
from scrm.services.stage_updates import MAX_AMOUNT

TAG = "deals"


class OpportunityIn(Strict):
    name: str = Field(min_length=1, max_length=128)
    owner_userid: str = Field(min_length=1)
    amount: int = Field(default=0, ge=0, le=MAX_AMOUNT, description="minor units (分)")
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    lead_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    expected_close: date | None = None
    gate: dict[str, Any] | None = Field(
        default=None,
        max_length=40,
        description="the first stage's gate fields; when given, its required ones must be filled",
    )


class MoveIn(Strict):
    stage: str = Field(min_length=1, max_length=32)
    actor: str = Field(default="", max_length=64)
    # Validated by deals.move with StageUpdates (422 naming each bad field in `missing`).
    updates: dict[str, Any] = Field(
        default={},
        max_length=40,
        description="gate fields: next_step (text), next_step_date and expected_close (dates), "
        "amount (分, ≥ 0), lost_reason, lost_note; any other gate field as short text",
    )


class OpportunityOut(BaseModel):
    id: int
    name: str
    owner_userid: str
    stage: str
    probability: int
    amount: int
    currency: str
    forecast_category: str
    next_step: str
    values: dict[str, Any]
    lost_reason: str


class QuoteIn(Strict):
    lines: list[quotes.QuoteLine] = Field(min_length=1, max_length=quotes.MAX_LINES)
    discount_bp: int = Field(default=0, ge=0, le=10_000)
    requested_by: str = ""


class DecisionIn(Strict):
    approver: str = ""  # ignored for a person: they decide as themselves
    role: str = Field(pattern="^(manager|director)$")
    approve: bool
    note: str = ""


class ContractIn(Strict):
    quote_id: int
    number: str = Field(min_length=1, max_length=32)


class PaymentIn(Strict):
    amount: int = Field(gt=0, le=MAX_AMOUNT)
    reference: str = Field(min_length=1, max_length=64)
    paid_at: datetime | None = None


class CampaignIn(Strict):
    name: str = Field(min_length=1, max_length=64)
    channel: str = ""
    cost: int = Field(ge=0, le=MAX_AMOUNT)


async def _out(opp: Opportunity) -> dict[str, Any]:
    return OpportunityOut(
        id=opp.id,
        name=opp.name,
        owner_userid=opp.owner_userid,
        stage=await deals.stage_name(opp),
        probability=opp.probability,
        amount=opp.amount,
        currency=opp.currency,
        forecast_category=opp.forecast_category,
        next_step=opp.next_step,
        values=opp.values,
        lost_reason=opp.lost_reason,
    ).model_dump(mode="json")


def _acting(request: web.Request, given: str) -> str:
    """Who acts: a person always as themselves (their WeCom userid, else their login); the
    bootstrap token names someone."""
    me = actor(request)
    return (me.userid or me.name) if (me.name or me.userid) else given


async def _in_scope_opportunity(request: web.Request, opportunity_id: int) -> None:
    """A quote or contract is in scope when its opportunity is (404 otherwise, as for ids
    that do not exist)."""
    opp = await Opportunity.get_or_none(id=opportunity_id)
    if opp is None or not in_scope(request, opp.owner_userid):
        raise not_found("quote or contract")


async def _opp(request: web.Request) -> Opportunity:
    _, opp = await owned(request, Opportunity, "opportunity")
    if not in_scope(request, opp.owner_userid):
        raise not_found("opportunity")
    return opp


@API.route(
    "POST",
    "/api/v1/opportunities",
    "Open an opportunity (converts its lead)",
    tag=TAG,
    body=OpportunityIn,
    response=OpportunityOut,
    status=201,
)
async def create(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    body = await parse(request, OpportunityIn)
    if not in_scope(request, body.owner_userid):
        return error(403, "you may open opportunities for yourself or your team only")
    await refs.member(corp, body.owner_userid)
    # Converting a lead is working on it: it must be one the caller may work on (admin/api/refs).
    lead = await refs.lead(request, corp, body.lead_id) if body.lead_id else None
    try:
        opp = await deals.create(
            corp.id,
            name=body.name,
            owner=body.owner_userid,
            amount=body.amount,
            currency=body.currency,
            lead=lead,
            expected_close=body.expected_close,
            gate=body.gate,
        )
    except deals.StageGateError as exc:
        return error(422, str(exc), missing=exc.missing)
    return ok(await _out(opp), status=201)


@API.route(
    "POST",
    "/api/v1/opportunities/{id}/stage",
    "Move stage (required fields checked)",
    tag=TAG,
    body=MoveIn,
    response=OpportunityOut,
)
async def move(request: web.Request) -> web.Response:
    opp = await _opp(request)
    body = await parse(request, MoveIn)
    try:
        await deals.move(opp, body.stage, actor=_acting(request, body.actor), updates=body.updates)
    except deals.StageGateError as exc:
        return error(422, str(exc), missing=exc.missing)
    return ok(await _out(opp))


@API.route(
    "POST",
    "/api/v1/opportunities/{id}/quotes",
    "Quote it (approval tier by discount)",
    tag=TAG,
    body=QuoteIn,
    status=201,
)
async def quote(request: web.Request) -> web.Response:
    opp = await _opp(request)
    body = await parse(request, QuoteIn)
    by = _acting(request, body.requested_by)
    q = await quotes.create_quote(opp, body.lines, discount_bp=body.discount_bp, by=by)
    return ok(_quote_out(q), status=201)


def _quote_out(q: Quote) -> dict[str, Any]:
    return {
        "id": q.id,
        "number": q.number,
        "gross": q.gross,
        "total": q.total,
        "discount_bp": q.discount_bp,
        "approval_level": q.approval_level,
        "status": q.status,
        "decided_by": q.decided_by,
    }


@API.route(
    "POST",
    "/api/v1/quotes/{id}/decision",
    "Approve or reject a quote",
    tag=TAG,
    body=DecisionIn,
    also=(409,),
)
async def decide(request: web.Request) -> web.Response:
    _, q = await owned(request, Quote, "quote")
    await _in_scope_opportunity(request, q.opportunity_id)  # type: ignore[attr-defined]
    body = await parse(request, DecisionIn)
    # A manager's token decides as a manager; deciding as a director takes an admin.
    if not actor(request).at_least("admin" if body.role == "director" else "manager"):
        return error(403, f"your token cannot decide as a {body.role}")
    approver = _acting(request, body.approver)
    if not approver:
        return error(422, "approver: who decides (required with the bootstrap token)")
    try:
        await quotes.decide(
            q, approver=approver, role=body.role, approve=body.approve, note=body.note
        )
    except quotes.QuoteError as exc:
        return error(409, str(exc))
    return ok(_quote_out(q))


@API.route(
    "POST",
    "/api/v1/contracts",
    "Sign an approved quote: contract, opportunity won",
    tag=TAG,
    body=ContractIn,
    status=201,
    also=(409,),
)
async def sign(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    body = await parse(request, ContractIn)
    q = await Quote.get_or_none(id=body.quote_id, corp_id=corp.id)
    if q is None:
        return error(404, "no such quote")
    await _in_scope_opportunity(request, q.opportunity_id)  # type: ignore[attr-defined]
    try:
        contract = await quotes.sign_contract(q, number=body.number)
    except (quotes.QuoteError, deals.StageGateError) as exc:
        return error(409, str(exc))
    return ok(
        {"id": contract.id, "number": contract.number, "amount": contract.amount}, status=201
    )


@API.route(
    "POST",
    "/api/v1/contracts/{id}/payments",
    "Record a payment (idempotent by ref)",
    tag=TAG,
    body=PaymentIn,
    also=(409,),
)
async def pay(request: web.Request) -> web.Response:
    _, contract = await owned(request, Contract, "contract")
    await _in_scope_opportunity(request, contract.opportunity_id)  # type: ignore[attr-defined]
    body = await parse(request, PaymentIn)
    try:
        payment = await quotes.add_payment(
            contract,
            body.amount,
            body.reference,
            utc(body.paid_at) if body.paid_at else datetime.now(UTC),
        )
    except quotes.QuoteError as exc:
        return error(409, str(exc))
    return ok({"id": payment.id, "amount": payment.amount, "contract_status": contract.status})


@API.route(
    "POST",
    "/api/v1/campaigns",
    "A campaign and its cost (for ROI)",
    tag=TAG,
    body=CampaignIn,
    status=201,
)
async def campaign(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    body = await parse(request, CampaignIn)
    row, _ = await Campaign.update_or_create(
        corp_id=corp.id, name=body.name, defaults={"channel": body.channel, "cost": body.cost}
    )
    return ok({"id": row.id, "name": row.name, "cost": row.cost}, status=201)
