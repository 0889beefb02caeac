"""Lead scoring: attribute and behaviour rules, caps, inactivity decay, grades, MQL/SQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

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


def grade_for(score: int, bands: dict[str, int]) -> str:
    for grade, floor in sorted(bands.items(), key=lambda kv: -kv[1]):
        if score >= floor:
            return grade
    return "D"


def decay(lead: Lead, settings: LeadSettings, now: datetime) -> None:
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


def finish(lead: Lead, settings: LeadSettings) -> None:
    """Total, grade and the automatic part of the status (only ever upward: new → MQL → SQL)."""
    lead.score = lead.attr_score + lead.behaviour_score
    lead.grade = grade_for(lead.score, settings.grade_bands)
    if lead.status in STATUS_ORDER:
        target = (
            "sql"
            if lead.score >= settings.sql_threshold
            else ("mql" if lead.score >= settings.mql_threshold else "new")
        )
        if STATUS_ORDER.index(target) > STATUS_ORDER.index(lead.status):
            lead.status = target


def score_attributes(lead: Lead, rules: list[ScoringRule]) -> None:
    values = lead_values(lead)
    lead.attr_score = sum(r.points for r in rules if r.kind == "attribute" and matches(r, values))


def add_behaviour(lead: Lead, rules: list[ScoringRule], event: str, times: int = 1) -> int:
    """Points for `times` occurrences of `event`, each rule within its cap; returns the points."""
    gained = 0
    for rule in (r for r in rules if r.kind == "behaviour" and r.field == event):
        key = str(rule.id)
        have = lead.rule_points.get(key, 0)
        want = have + rule.points * times
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
