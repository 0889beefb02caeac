"""WeCom's own intercept rule (add_intercept_rule) kept in step with the word library."""

from __future__ import annotations

from scrm.compliance.matcher import severity_rank
from scrm.models import ComplianceSettings, SensitiveWord
from wecom.client import WeComClient
from wecom.client.models.misc import ApplicableRange, InterceptRule, InterceptRuleUpdate

RULE_NAME = "SCRM敏感词"  # ≤ 20 characters
MAX_WORDS, MAX_WORD_CHARS = 300, 32  # WeCom's limits per rule and per word
ROOT_DEPARTMENT = 1


async def pushable_words(corp_id: int, min_severity: str) -> list[str]:
    """The words WeCom should block: enabled, severe enough, corp-wide (one rule has one
    range, so a word scoped to some staff stays with our own scan), covering what staff send,
    within WeCom's length limit; the most severe first when there are more than 300."""
    if not min_severity:
        return []
    floor = severity_rank(min_severity)
    rows = await SensitiveWord.filter(corp_id=corp_id, enabled=True).order_by("id")
    eligible = [
        w
        for w in rows
        if severity_rank(w.severity) >= floor
        and not w.scope_userids
        and not w.scope_departments
        and (not w.directions or "staff_to_customer" in w.directions)
        and len(w.word) <= MAX_WORD_CHARS
    ]
    eligible.sort(key=lambda w: -severity_rank(w.severity))  # stable: by id within a level
    return list(dict.fromkeys(w.word for w in eligible))[:MAX_WORDS]


async def sync(
    corp_id: int, wecom: WeComClient, *, min_severity: str = "high", intercept_type: int = 1
) -> str:
    """Push the library to WeCom when it changed since the last push: `unchanged`, `created`,
    `updated`, `deleted` or `empty`. The pushed version is recorded only after WeCom said
    yes, so a failed push is tried again by the next run."""
    settings, _ = await ComplianceSettings.get_or_create(corp_id=corp_id)
    version = settings.words_version
    if settings.intercept_version == version:
        return "unchanged"
    words = await pushable_words(corp_id, min_severity)
    rule_id = settings.intercept_rule_id
    if rule_id:  # an admin may have deleted it in the console
        listed = await wecom.list_intercept_rules()
        if all(r.rule_id != rule_id for r in listed.rule_list):
            rule_id = ""
    outcome = "empty"
    if not words and rule_id:
        await wecom.del_intercept_rule(rule_id)
        rule_id, outcome = "", "deleted"
    elif words and rule_id:
        await wecom.update_intercept_rule(
            InterceptRuleUpdate(
                rule_id=rule_id,
                rule_name=RULE_NAME,
                word_list=words,
                intercept_type=intercept_type,
            )
        )
        outcome = "updated"
    elif words:
        created = await wecom.add_intercept_rule(
            InterceptRule(
                rule_name=RULE_NAME,
                word_list=words,
                intercept_type=intercept_type,
                applicable_range=ApplicableRange(department_list=[ROOT_DEPARTMENT]),
            )
        )
        rule_id, outcome = created.rule_id, "created"
    await ComplianceSettings.filter(corp_id=corp_id, words_version=version).update(
        intercept_rule_id=rule_id, intercept_version=version
    )
    return outcome
