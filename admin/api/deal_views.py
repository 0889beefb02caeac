"""The deal pipeline as people read it: JSON shapes and scoped queries for the API and pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from scrm.models import Contract, Opportunity, Payment, Quote, Staff, Stage, StageChange
from scrm.models.base import corp_pk
from scrm.services import deals, display_names

# `?status=` of the quote list: friendly words for the stored statuses.
QUOTE_STATUSES: dict[str, tuple[str, ...]] = {
    "pending": ("pending_approval",),
    "pending_approval": ("pending_approval",),
    "approved": ("approved",),
    "rejected": ("rejected",),
    "decided": ("approved", "rejected"),
}


class StageOut(BaseModel):
    id: int
    name: str
    sequence: int
    probability: int
    is_won: bool
    is_lost: bool
    required_fields: list[str]


class OpportunityRow(BaseModel):
    id: int
    name: str
    owner_userid: str
    owner_name: str
    stage: str
    stage_id: int
    probability: int
    amount: int
    currency: str
    forecast_category: str
    next_step: str
    next_step_date: date | None
    expected_close: date | None
    values: dict[str, Any]
    lost_reason: str
    lost_note: str
    lead_id: int | None
    stage_changed_at: datetime | None
    closed_at: datetime | None
    closed: bool
    # The WeCom customer, named by display_names (name, else remark, else id), when linked.
    customer_external_userid: str = ""
    customer_name: str = ""
    customer_avatar: str = ""


class StageChangeOut(BaseModel):
    from_stage: str
    to_stage: str
    actor: str
    at: datetime


class QuoteRow(BaseModel):
    id: int
    number: str
    opportunity_id: int
    opportunity_name: str
    owner_userid: str
    currency: str
    gross: int
    total: int
    discount_bp: int
    approval_level: str
    status: str
    lines: list[dict[str, Any]]
    requested_by: str
    decided_by: str
    decided_at: datetime | None
    note: str
    created_at: datetime


class PaymentOut(BaseModel):
    id: int
    amount: int
    paid_at: datetime
    reference: str


class ContractOut(BaseModel):
    id: int
    number: str
    quote_id: int | None
    amount: int
    currency: str
    signed_at: datetime
    status: str
    paid: int
    payments: list[PaymentOut]


class OpportunityDetail(OpportunityRow):
    history: list[StageChangeOut]
    quotes: list[QuoteRow]
    contracts: list[ContractOut]


async def staff_names(corp_id: int) -> dict[str, str]:
    return dict(await Staff.filter(corp_id=corp_id).values_list("userid", "name"))


def opportunity_row(
    opp: Opportunity,
    stage: Stage,
    names: dict[str, str],
    customer: display_names.Person | None = None,
) -> dict[str, Any]:
    return OpportunityRow(
        customer_external_userid=customer.external_userid if customer else "",
        customer_name=customer.name if customer else "",
        customer_avatar=customer.avatar if customer else "",
        id=opp.id,
        name=opp.name,
        owner_userid=opp.owner_userid,
        owner_name=names.get(opp.owner_userid, "") or opp.owner_userid,
        stage=stage.name,
        stage_id=stage.id,
        probability=opp.probability,
        amount=opp.amount,
        currency=opp.currency,
        forecast_category=opp.forecast_category,
        next_step=opp.next_step,
        next_step_date=opp.next_step_date,
        expected_close=opp.expected_close,
        values=opp.values,
        lost_reason=opp.lost_reason,
        lost_note=opp.lost_note,
        lead_id=opp.lead_id,
        stage_changed_at=opp.stage_changed_at,
        closed_at=opp.closed_at,
        closed=stage.is_won or stage.is_lost,
    ).model_dump(mode="json")


def quote_row(q: Quote, opp: Opportunity) -> dict[str, Any]:
    return QuoteRow(
        id=q.id,
        number=q.number,
        opportunity_id=opp.id,
        opportunity_name=opp.name,
        owner_userid=opp.owner_userid,
        currency=q.currency,
        gross=q.gross,
        total=q.total,
        discount_bp=q.discount_bp,
        approval_level=q.approval_level,
        status=q.status,
        lines=q.lines,
        requested_by=q.requested_by,
        decided_by=q.decided_by,
        decided_at=q.decided_at,
        note=q.note,
        created_at=q.created_at,
    ).model_dump(mode="json")


async def opportunities(
    corp_id: int, owners: list[str] | None, *, stage: Stage | None = None, owner: str = ""
) -> list[dict[str, Any]]:
    """The opportunities `owners` may see (None: all), newest move first."""
    stages = {s.id: s for s in await deals.ensure_stages(corp_id)}
    q = Opportunity.filter(corp_id=corp_id)
    if owners is not None:
        q = q.filter(owner_userid__in=owners)
    if owner:
        q = q.filter(owner_userid=owner)
    if stage is not None:
        q = q.filter(stage_id=stage.id)
    names = await staff_names(corp_id)
    rows = await q.order_by("-stage_changed_at", "-id")
    people = await display_names.customers_by_pk(corp_id, [o.customer_id_ref for o in rows])
    return [
        opportunity_row(o, stages[deals.stage_pk(o)], names, people.get(o.customer_id_ref or 0))
        for o in rows
    ]


async def detail(opp: Opportunity) -> dict[str, Any]:
    """One opportunity with its stage history, quotes and contracts (with payments)."""
    corp_id = corp_pk(opp)
    stage = await Stage.get(id=deals.stage_pk(opp))
    people = await display_names.customers_by_pk(corp_id, [opp.customer_id_ref])
    row = opportunity_row(
        opp, stage, await staff_names(corp_id), people.get(opp.customer_id_ref or 0)
    )
    history = await StageChange.filter(opportunity_id=opp.id).order_by("at", "id")
    quotes = await Quote.filter(opportunity_id=opp.id).order_by("-id")
    contracts = await Contract.filter(opportunity_id=opp.id).order_by("-id")
    payments = await Payment.filter(contract_id__in=[c.id for c in contracts]).order_by("paid_at")
    out = []
    for c in contracts:
        mine = [p for p in payments if p.contract_id == c.id]  # type: ignore[attr-defined]
        out.append(
            ContractOut(
                id=c.id,
                number=c.number,
                quote_id=c.quote_id,
                amount=c.amount,
                currency=c.currency,
                signed_at=c.signed_at,
                status=c.status,
                paid=sum(p.amount for p in mine),
                payments=[
                    PaymentOut(id=p.id, amount=p.amount, paid_at=p.paid_at, reference=p.reference)
                    for p in mine
                ],
            )
        )
    return OpportunityDetail(
        **row,
        history=[
            StageChangeOut(from_stage=h.from_stage, to_stage=h.to_stage, actor=h.actor, at=h.at)
            for h in history
        ],
        quotes=[QuoteRow.model_validate(quote_row(q, opp)) for q in quotes],
        contracts=out,
    ).model_dump(mode="json")


async def quote_list(
    corp_id: int, owners: list[str] | None, statuses: tuple[str, ...] = (), limit: int = 200
) -> list[dict[str, Any]]:
    """Quotes on the opportunities `owners` may see; waiting ones oldest first (a queue)."""
    q = Quote.filter(corp_id=corp_id)
    if owners is not None:
        q = q.filter(opportunity__owner_userid__in=owners)
    if statuses:
        q = q.filter(status__in=statuses)
    order = ("id",) if statuses == ("pending_approval",) else ("-decided_at", "-id")
    rows = await q.order_by(*order).limit(limit)
    opp_ids = {int(r.opportunity_id) for r in rows}  # type: ignore[attr-defined]
    opps = {o.id: o for o in await Opportunity.filter(id__in=opp_ids)}
    return [quote_row(r, opps[int(r.opportunity_id)]) for r in rows]  # type: ignore[attr-defined]
