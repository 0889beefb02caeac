"""Lead scoring: attribute and behaviour rules, caps, inactivity decay, grades, MQL/SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from scrm.enums import Grade, LeadStatus
from scrm.infra.cache import TtlCache
from scrm.models import Lead, LeadSettings, ScoringRule

OPS = ("eq", "in", "contains", "gte", "lte", "exists", "event")
STATUS_ORDER = ("new", "mql", "sql")


class RuleError(ValueError):
    pass


def validate_rule(kind: str, field: str, op: str, value: Any, points: int, cap: int) -> None:
    """Rules are data from admins: refuse what cannot be evaluated, saying why."""
    if kind not in ("attribute", "behaviour"):
        raise RuleError("kind must be 'attribute' or 'behaviour'")
    if op not in OPS:
        raise RuleError(f"op must be one of {', '.join(OPS)}")
    if (kind == "behaviour") != (op == "event"):
        raise RuleError("behaviour rules use op 'event'; attribute rules use the others")
    if not field:
        raise RuleError("field is required (a lead attribute, or the behaviour's event name)")
    if op == "in" and not isinstance(value, list):
        raise RuleError("op 'in' needs a list value")
    if op in ("gte", "lte") and not isinstance(value, int | float):
        raise RuleError(f"op '{op}' needs a number")
    if cap < 0 or (cap and abs(points) > cap):
        raise RuleError("cap must be 0 (none) or at least |points|")


def lead_values(lead: Lead) -> dict[str, Any]:
    values: dict[str, Any] = {
        "platform": lead.platform,
        "channel": lead.channel,
        "campaign": lead.campaign,
        "city": lead.city,
        "ad_id": lead.ad_id,
        **lead.utm,
    }
    values.update(lead.attributes)
    return values


def matches(rule: ScoringRule, values: dict[str, Any]) -> bool:
    got = values.get(rule.field)
    if rule.op == "exists":
        return got not in (None, "")
    if got is None:
        return False
    if rule.op == "eq":
        return str(got) == str(rule.value)
    if rule.op == "in":
        return str(got) in {str(v) for v in rule.value or []}
    if rule.op == "contains":
        return str(rule.value) in str(got)
    try:
        number = float(got)
    except (TypeError, ValueError):
        return False
    return number >= float(rule.value) if rule.op == "gte" else number <= float(rule.value)


def grade_for(score: int, bands: dict[str, int]) -> Grade:
    for grade, floor in sorted(bands.items(), key=lambda kv: -kv[1]):
        if score >= floor:
            return Grade(grade)
    return Grade.D


def recompute(
    lead: Lead,
    settings: LeadSettings,
    rules: Sequence[ScoringRule] = (),
    *,
    attributes: bool = False,
    event: str | None = None,
    decay_to: datetime | None = None,
) -> int:
    """The one place a lead's scores, grade and automatic status are worked out from its
    facts, in this order: its behaviour points decay up to `decay_to`; its attribute points
    are summed again from `rules` (`attributes`); `event` earns its behaviour points from
    `rules`; then the total, the grade and the status follow. Returns the points `event` earned."""
    if decay_to is not None:
        _decay(lead, settings, decay_to)
    if attributes:
        _score_attributes(lead, rules)
    gained = _add_behaviour(lead, rules, event) if event is not None else 0
    _finish(lead, settings)
    return gained


RESCORED = ["attr_score", "score", "grade", "status"]  # what a full rescore may change


def rescored(
    leads: list[Lead], settings: LeadSettings, rules: Sequence[ScoringRule]
) -> list[Lead]:
    """A full rescore after rule edits (attributes again, behaviour kept): the leads whose
    `RESCORED` columns changed, to be written."""
    changed = []
    for lead in leads:
        before = (lead.attr_score, lead.score, lead.grade, lead.status)
        recompute(lead, settings, rules, attributes=True)
        if (lead.attr_score, lead.score, lead.grade, lead.status) != before:
            changed.append(lead)
    return changed


def _decay(lead: Lead, settings: LeadSettings, now: datetime) -> None:
    """Behaviour points lose `decay_percent` for every full `decay_days` without activity."""
    known = [t for t in (lead.last_activity_at, lead.decayed_at) if t is not None]
    anchor = max(known) if known else lead.created_at
    period = timedelta(days=settings.decay_days)
    steps = int((now - anchor) / period) if now > anchor else 0
    if steps <= 0 or not lead.behaviour_score:
        return
    lead.behaviour_score = round(
        lead.behaviour_score * (1 - settings.decay_percent / 100) ** steps
    )
    lead.decayed_at = anchor + steps * period


def _finish(lead: Lead, settings: LeadSettings) -> None:
    """Total, grade and the automatic part of the status (only ever upward: new → MQL → SQL)."""
    lead.score = lead.attr_score + lead.behaviour_score
    lead.grade = grade_for(lead.score, settings.grade_bands)
    if lead.status in STATUS_ORDER:
        target = (
            LeadStatus.SQL
            if lead.score >= settings.sql_threshold
            else (LeadStatus.MQL if lead.score >= settings.mql_threshold else LeadStatus.NEW)
        )
        if STATUS_ORDER.index(target) > STATUS_ORDER.index(lead.status):
            lead.status = target


def _score_attributes(lead: Lead, rules: Sequence[ScoringRule]) -> None:
    values = lead_values(lead)
    lead.attr_score = sum(r.points for r in rules if r.kind == "attribute" and matches(r, values))


def _add_behaviour(lead: Lead, rules: Sequence[ScoringRule], event: str) -> int:
    """Points for one `event`, each rule within its cap; returns the points."""
    gained = 0
    for rule in (r for r in rules if r.kind == "behaviour" and r.field == event):
        key = str(rule.id)
        have = lead.rule_points.get(key, 0)
        want = have + rule.points
        if rule.cap:
            want = max(-rule.cap, min(rule.cap, want))
        lead.rule_points = {**lead.rule_points, key: want}
        gained += want - have
    lead.behaviour_score += gained
    return gained


# Settings and rules are read for every lead; a worker keeps them this long. An admin's edit
# applies to new activity within CACHE_SECONDS (the API process itself drops its copy at once).
CACHE_SECONDS = 5.0
_settings: TtlCache[int, LeadSettings] = TtlCache(CACHE_SECONDS)
_rules: TtlCache[int, list[ScoringRule]] = TtlCache(CACHE_SECONDS)


def forget(corp_id: int) -> None:
    _settings.forget(corp_id)
    _rules.forget(corp_id)


async def settings_for(corp_id: int) -> LeadSettings:
    async def load() -> LeadSettings:
        found = await LeadSettings.get_or_none(corp_id=corp_id)
        return found or LeadSettings(corp_id=corp_id)  # defaults until an admin saves some

    return await _settings.get_or_load(corp_id, load)


async def active_rules(corp_id: int) -> list[ScoringRule]:
    async def load() -> list[ScoringRule]:
        return await ScoringRule.filter(corp_id=corp_id, active=True).order_by("id")

    return await _rules.get_or_load(corp_id, load)
