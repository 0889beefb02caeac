"""Opportunities through stages (Odoo semantics): gates, probability, forecast, won and lost."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from tortoise.expressions import Q

from scrm.enums import ForecastCategory, LeadStatus
from scrm.models import Customer, Lead, Opportunity, Stage, StageChange
from scrm.models.base import corp_pk
from scrm.services import journey_enroll
from scrm.services.stage_updates import LOST_REASONS, StageUpdates

# (name, probability, fields the stage requires) — seeds: CRM best practice, 商机阶段与字段控制.
DEFAULT_STAGES: list[tuple[str, int, list[str]]] = [
    ("Qualification", 10, ["next_step", "next_step_date", "decision_maker"]),
    ("Discovery", 25, ["next_step", "next_step_date", "pain_points", "purchase_process"]),
    ("Solution", 40, ["next_step", "next_step_date", "solution_doc", "competitors"]),
    ("Proposal", 60, ["next_step", "next_step_date", "quote_number"]),
    ("Negotiation", 80, ["next_step", "next_step_date", "contract_version", "legal_status"]),
    ("Won", 100, ["amount", "contract"]),
    ("Lost", 0, ["lost_reason"]),
]
# Seeds (Closed: 成交金额、合同/PO): a deal is won with its amount and its contract, whatever
# a corp's Won row says (rows made before this rule asked for the amount only).
WON_NEEDS = ("amount", "contract")

# Seeds (预测管理): Qualification/Discovery=Pipeline, Solution=Best Case,
# Proposal/Negotiation=Commit, Closed=Closed. A stage's own setting wins over this.
FORECAST_BY_STAGE = {
    "Qualification": ForecastCategory.PIPELINE,
    "Discovery": ForecastCategory.PIPELINE,
    "Solution": ForecastCategory.BEST_CASE,
    "Proposal": ForecastCategory.COMMIT,
    "Negotiation": ForecastCategory.COMMIT,
    "Won": ForecastCategory.CLOSED,
    "Lost": ForecastCategory.OMITTED,
}
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")


class StageGateError(ValueError):
    """A stage change refused, naming every missing field (also in `missing`)."""

    def __init__(self, message: str, missing: list[str] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []


async def ensure_stages(corp_id: int) -> list[Stage]:
    stages = await Stage.filter(corp_id=corp_id).order_by("sequence")
    if stages:
        return stages
    for seq, (name, prob, required) in enumerate(DEFAULT_STAGES, start=1):
        await Stage.get_or_create(
            corp_id=corp_id,
            name=name,
            defaults={
                "sequence": seq * 10,
                "probability": prob,
                "required_fields": required,
                "is_won": name == "Won",
                "is_lost": name == "Lost",
                "forecast_category": FORECAST_BY_STAGE[name],
            },
        )
    return await Stage.filter(corp_id=corp_id).order_by("sequence")


def forecast_for(probability: int, won: bool) -> ForecastCategory:
    """The category by probability alone, for a stage the seeds' mapping does not name."""
    if won:
        return ForecastCategory.CLOSED
    if probability >= 60:
        return ForecastCategory.COMMIT
    return ForecastCategory.BEST_CASE if probability >= 40 else ForecastCategory.PIPELINE


def category_for(stage: Stage) -> ForecastCategory:
    """The stage's configured category, else the seeds' mapping, else by probability."""
    if stage.forecast_category in FORECAST_CATEGORIES:
        return stage.forecast_category
    if stage.is_lost:
        return ForecastCategory.OMITTED
    if stage.is_won:
        return ForecastCategory.CLOSED
    return FORECAST_BY_STAGE.get(stage.name) or forecast_for(stage.probability, False)


def _value(opp: Opportunity, name: str) -> Any:
    if hasattr(opp, name) and name not in ("values",):
        return getattr(opp, name)
    return opp.values.get(name)


def required(stage: Stage) -> list[str]:
    """The fields `stage` requires: its row's, and for a won stage always WON_NEEDS."""
    extra = [f for f in WON_NEEDS if stage.is_won and f not in stage.required_fields]
    return [*stage.required_fields, *extra]


def missing(opp: Opportunity, stage: Stage) -> list[str]:
    return [f for f in required(stage) if _value(opp, f) in (None, "", 0, [], {})]


def checked(updates: dict[str, Any] | StageUpdates | None) -> StageUpdates:
    """Stage-move updates validated (StageGateError naming each bad field otherwise)."""
    if isinstance(updates, StageUpdates):
        return updates
    try:
        return StageUpdates.model_validate(updates or {})
    except ValidationError as exc:
        errors = exc.errors()
        fields = list(dict.fromkeys(str(e["loc"][0]) for e in errors if e["loc"]))
        said = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'updates'}: {e['msg']}" for e in errors
        )
        raise StageGateError(f"invalid updates: {said}", fields) from exc


async def create(
    corp_id: int,
    *,
    name: str,
    owner: str,
    amount: int = 0,
    currency: str = "CNY",
    lead: Lead | None = None,
    expected_close: date | None = None,
    actor: str = "",
    gate: dict[str, Any] | None = None,
) -> Opportunity:
    """A new opportunity in the first stage. With `gate` (the new-deal form sends it) the
    first stage's required fields are checked as a move into it would be."""
    first = (await ensure_stages(corp_id))[0]
    now = datetime.now(UTC)
    draft = Opportunity(amount=amount, expected_close=expected_close, values={})
    if gate is not None:
        given = checked(gate)
        draft.update_from_dict(given.columns())
        draft.values = given.values()
        gaps = missing(draft, first)
        if gaps:
            raise StageGateError(f"{first.name} needs: {', '.join(gaps)}", gaps)
    opp = await Opportunity.create(
        corp_id=corp_id,
        name=name,
        owner_userid=owner,
        stage_id=first.id,
        probability=first.probability,
        amount=draft.amount,
        currency=currency,
        lead_id=lead.id if lead else None,
        expected_close=draft.expected_close,
        next_step=draft.next_step,
        next_step_date=draft.next_step_date,
        values=draft.values,
        forecast_category=category_for(first),
        stage_changed_at=now,
        last_activity_at=now,
        customer_id_ref=getattr(lead, "customer_id", None) if lead else None,
    )
    await StageChange.create(
        corp_id=corp_id, opportunity_id=opp.id, to_stage=first.name, actor=actor, at=now
    )
    if lead is not None and lead.status in ("new", "mql", "sql"):
        lead.status = LeadStatus.CONVERTED  # the lead became an opportunity (Odoo's conversion)
        await lead.save(update_fields=["status", "updated_at"])
    return opp


async def move(
    opp: Opportunity,
    stage_name: str,
    *,
    actor: str = "",
    updates: dict[str, Any] | StageUpdates | None = None,
) -> Opportunity:
    """Move to `stage_name` after applying `updates`; refuse if its required fields are empty."""
    given = checked(updates)
    stage = await Stage.get_or_none(corp_id=corp_pk(opp), name=stage_name)
    if stage is None:
        raise StageGateError(f"unknown stage {stage_name!r}")
    current = await Stage.get(id=stage_pk(opp))
    if current.is_won or current.is_lost:
        raise StageGateError(f"the opportunity is closed ({current.name})")
    opp.update_from_dict(given.columns())
    if values := given.values():
        opp.values = {**opp.values, **values}
    if stage.is_lost and opp.lost_reason not in LOST_REASONS:
        raise StageGateError(f"lost_reason must be one of {', '.join(LOST_REASONS)}")
    gaps = missing(opp, stage)
    if gaps:
        raise StageGateError(f"{stage.name} needs: {', '.join(gaps)}", gaps)
    now = datetime.now(UTC)
    opp.stage_id, opp.probability = stage.id, stage.probability
    opp.forecast_category = category_for(stage)
    opp.stage_changed_at = opp.last_activity_at = now
    opp.closed_at = now if (stage.is_won or stage.is_lost) else None
    await opp.save()
    if opp.customer_id_ref:  # a stage change may start a customer journey
        customer = await Customer.get_or_none(id=opp.customer_id_ref)
        if customer is not None:
            await journey_enroll.enroll(
                corp_pk(opp),
                "stage_changed",
                customer.external_userid,
                opp.owner_userid,
                {"stage": stage.name},
                now=now,
            )
    await StageChange.create(
        corp_id=corp_pk(opp),
        opportunity_id=opp.id,
        from_stage=current.name,
        to_stage=stage.name,
        actor=actor,
        at=now,
    )
    return opp


async def stage_name(opp: Opportunity) -> str:
    return (await Stage.get(id=stage_pk(opp))).name


def stage_pk(opp: Opportunity) -> int:
    return int(opp.stage_id)  # type: ignore[attr-defined]


async def touch(opportunity_id: int | None, at: datetime) -> None:
    """Record activity on an opportunity (a follow-up logged, a task done): its
    `last_activity_at` moves forward, never back."""
    if opportunity_id is None:
        return
    await Opportunity.filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=at), id=opportunity_id
    ).update(last_activity_at=at)
