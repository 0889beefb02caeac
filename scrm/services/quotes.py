"""Quotes with discount approval tiers, contracts from approved quotes, payments as revenue."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

from scrm.enums import ContractStatus, QuoteStatus
from scrm.models import Contract, Opportunity, Payment, Quote
from scrm.models.base import corp_pk
from scrm.services import deals

# Seeds (CRM best practice): ≤ 10 % the salesperson, 10–20 % a manager, > 20 % a director.
LEVELS = ("self", "manager", "director")


# A quote's total must fit BIGINT: 200 lines × 100 000 × 1 亿元 (in 分) stays far under it.
MAX_LINES = 200


class QuoteLine(BaseModel):
    product: str = Field(min_length=1, max_length=128)
    quantity: int = Field(ge=1, le=100_000)
    unit_price: int = Field(ge=0, le=10**10, description="minor units (分)")
    discount_bp: int = Field(default=0, ge=0, le=10_000, description="line discount, 1 % = 100")


class QuoteError(ValueError):
    pass


def level_for(discount_bp: int) -> str:
    return "self" if discount_bp <= 1000 else "manager" if discount_bp <= 2000 else "director"


def price(lines: list[QuoteLine], header_discount_bp: int) -> tuple[int, int, int]:
    """(gross, total, effective discount bp): money in integers, rounded half up once per line."""
    gross = sum(line.quantity * line.unit_price for line in lines)
    net = Decimal(0)
    for line in lines:
        amount = Decimal(line.quantity * line.unit_price) * (10_000 - line.discount_bp) / 10_000
        net += amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    total = int((net * (10_000 - header_discount_bp) / 10_000).quantize(Decimal(1), ROUND_HALF_UP))
    effective = (
        0
        if gross == 0
        else int((Decimal(gross - total) * 10_000 / gross).quantize(Decimal(1), ROUND_HALF_UP))
    )
    return gross, total, effective


async def create_quote(
    opp: Opportunity, lines: list[QuoteLine], *, discount_bp: int = 0, by: str = ""
) -> Quote:
    if not lines:
        raise QuoteError("a quote needs at least one line")
    gross, total, effective = price(lines, discount_bp)
    level = level_for(effective)
    count = await Quote.filter(corp_id=corp_pk(opp)).count()
    quote = await Quote.create(
        corp_id=corp_pk(opp),
        opportunity_id=opp.id,
        number=f"Q{corp_pk(opp)}-{count + 1:05d}",
        currency=opp.currency,
        gross=gross,
        total=total,
        discount_bp=effective,
        approval_level=level,
        status="approved" if level == "self" else "pending_approval",
        lines=[line.model_dump() for line in lines],
        requested_by=by,
        decided_by=by if level == "self" else "",
        decided_at=datetime.now(UTC) if level == "self" else None,
    )
    opp.values = {**opp.values, "quote_number": quote.number}
    await opp.save(update_fields=["values", "updated_at"])
    return quote


async def decide(
    quote: Quote, *, approver: str, role: str, approve: bool, note: str = ""
) -> Quote:
    """A manager approves up to 20 %, a director anything; the requester never their own."""
    if quote.status != "pending_approval":
        raise QuoteError(f"the quote is {quote.status}, not waiting for approval")
    if role not in LEVELS[1:] or LEVELS.index(role) < LEVELS.index(quote.approval_level):
        raise QuoteError(
            f"a {quote.discount_bp / 100:.2f} % discount needs a {quote.approval_level}"
        )
    if approver == quote.requested_by:
        raise QuoteError("nobody approves their own quote")
    quote.status = QuoteStatus.APPROVED if approve else QuoteStatus.REJECTED
    quote.decided_by, quote.decided_at, quote.note = approver, datetime.now(UTC), note
    await quote.save()
    return quote


async def sign_contract(
    quote: Quote, *, number: str, signed_at: datetime | None = None
) -> Contract:
    """An approved quote becomes a contract, and its opportunity is won at the quote's total."""
    if quote.status != "approved":
        raise QuoteError("only an approved quote can be signed")
    opp = await Opportunity.get(id=quote.opportunity_id)  # type: ignore[attr-defined]
    contract = await Contract.create(
        corp_id=corp_pk(quote),
        opportunity_id=opp.id,
        quote_id=quote.id,
        number=number,
        amount=quote.total,
        currency=quote.currency,
        signed_at=signed_at or datetime.now(UTC),
    )
    await deals.move(opp, "Won", updates={"amount": quote.total, "contract": number})
    return contract


async def add_payment(
    contract: Contract, amount: int, reference: str, paid_at: datetime
) -> Payment:
    """Payments are revenue; a reference already recorded is the same payment (idempotent)."""
    existing = await Payment.get_or_none(contract_id=contract.id, reference=reference)
    if existing is not None:
        return existing
    paid = sum(p.amount for p in await Payment.filter(contract_id=contract.id))
    if amount <= 0 or paid + amount > contract.amount:
        raise QuoteError(
            f"payment would exceed the contract ({paid + amount} > {contract.amount})"
        )
    payment = await Payment.create(
        corp_id=corp_pk(contract),
        contract_id=contract.id,
        amount=amount,
        reference=reference,
        paid_at=paid_at,
    )
    if paid + amount == contract.amount:
        contract.status = ContractStatus.PAID
        await contract.save(update_fields=["status", "updated_at"])
    return payment
