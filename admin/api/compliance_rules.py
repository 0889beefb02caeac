"""`/api/v1/compliance/{rules,settings,stats,audit}`: action rules, who is told and working
hours for reply timeouts, alert statistics, and the audit log. Every change is audited."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from admin.api.auth import actor, require, who
from admin.api.common import corp_for, error, ok, owned, parse, query_int
from admin.api.compliance_alerts import require_reviewer
from admin.api.openapi import API
from scrm.compliance import actions, stats
from scrm.compliance.review import audit
from scrm.compliance.team_settings import settings_for, validate_overrides
from scrm.infra import schedule
from scrm.infra.schemas import Strict
from scrm.models import AuditLog, ComplianceRule

TAG = "compliance"
Kind = Literal[
    "staff_deleted_customer", "customer_deleted_staff", "transfer_failed", "group_dismissed"
]
Severity = Literal["low", "medium", "high", "critical"]


class RuleIn(Strict):
    kind: Kind
    threshold: int = Field(1, ge=1, le=10000, description="events in one window; 1 = each event")
    window_minutes: int = Field(1440, ge=1, le=43200, description="1440 = the local calendar day")
    severity: Severity = "medium"
    enabled: bool = True


class SettingsIn(Strict):
    notify_userids: list[str] = Field(default_factory=list, max_length=100)
    reply_timeout_minutes: int = Field(30, ge=1, le=10080)
    working_hours: dict[str, Any] = Field(
        default_factory=dict, description='{"1": [["09:00", "18:00"]], …}; empty = always'
    )
    team_overrides: dict[str, Any] = Field(
        default_factory=dict,
        description='{"<department id>": {"minutes": 15, "working_hours": …}}',
    )


def _rule(r: ComplianceRule) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "threshold": r.threshold,
        "window_minutes": r.window_minutes,
        "severity": r.severity,
        "enabled": r.enabled,
    }


@API.route(
    "GET", "/api/v1/compliance/rules", "Action rules (defaults while none are stored)", tag=TAG
)
async def list_rules(request: web.Request) -> web.Response:
    require_reviewer(request)
    corp = await corp_for(request)
    rules = await ComplianceRule.filter(corp_id=corp.id).order_by("kind", "threshold", "id")
    return ok(
        {
            "rules": [_rule(r) for r in rules],
            "defaults_in_effect": not rules,
            "defaults": [asdict(r) for r in actions.DEFAULT_RULES],
        }
    )


@API.route(
    "POST",
    "/api/v1/compliance/rules",
    "Create an action rule",
    tag=TAG,
    body=RuleIn,
    status=201,
)
async def create_rule(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, RuleIn)
    rule = await ComplianceRule.create(corp_id=corp.id, **body.model_dump())
    await audit(corp.id, who(request), "create", "rule", rule.id, after=_rule(rule))
    return ok(_rule(rule), status=201)


@API.route("PUT", "/api/v1/compliance/rules/{id}", "Edit an action rule", tag=TAG, body=RuleIn)
async def edit_rule(request: web.Request) -> web.Response:
    require(request, "admin")
    corp, rule = await owned(request, ComplianceRule, "rule")
    body = await parse(request, RuleIn)
    before = _rule(rule)
    for key, value in body.model_dump().items():
        setattr(rule, key, value)
    await rule.save()
    await audit(corp.id, who(request), "update", "rule", rule.id, before=before, after=_rule(rule))
    return ok(_rule(rule))


@API.route(
    "DELETE",
    "/api/v1/compliance/rules/{id}",
    "Delete an action rule",
    tag=TAG,
    also=(409,),
)
async def delete_rule(request: web.Request) -> web.Response:
    require(request, "admin")
    corp, rule = await owned(request, ComplianceRule, "rule")
    if await ComplianceRule.filter(corp_id=corp.id).count() == 1:
        # With no stored rule the defaults apply again: surprising after "delete".
        return error(409, "this is the last rule: disable it instead (no rules = the defaults)")
    await audit(corp.id, who(request), "delete", "rule", rule.id, before=_rule(rule))
    await rule.delete()
    return ok({"deleted": rule.id})


def _settings(s: Any) -> dict[str, Any]:
    return {
        "notify_userids": s.notify_userids,
        "reply_timeout_minutes": s.reply_timeout_minutes,
        "working_hours": s.working_hours,
        "team_overrides": s.team_overrides,
        "words_version": s.words_version,
    }


@API.route("GET", "/api/v1/compliance/settings", "Who is told; reply-timeout terms", tag=TAG)
async def get_settings(request: web.Request) -> web.Response:
    require_reviewer(request)
    corp = await corp_for(request)
    return ok(_settings(await settings_for(corp.id)))


@API.route("PUT", "/api/v1/compliance/settings", "Change them", tag=TAG, body=SettingsIn)
async def put_settings(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, SettingsIn)
    try:
        schedule.validate(body.working_hours, {})
        validate_overrides(body.team_overrides)
    except ValueError as exc:
        return error(422, "invalid input", details=[str(exc)])
    row = await settings_for(corp.id)
    before = _settings(row)
    for key, value in body.model_dump().items():
        setattr(row, key, value)
    await row.save(update_fields=[*body.model_dump(), "updated_at"])
    await audit(
        corp.id, who(request), "update", "settings", row.id, before=before, after=_settings(row)
    )
    return ok(_settings(row))


@API.route("GET", "/api/v1/compliance/stats", "Alerts per staff, team, word and week", tag=TAG)
async def alert_stats(request: web.Request) -> web.Response:
    require_reviewer(request)
    corp = await corp_for(request)
    weeks = query_int(request, "weeks", 12, 1, 104)
    return ok(await stats.summary(corp, weeks, actor(request).owners()))


@API.route(
    "GET", "/api/v1/compliance/audit", "Audit log (filter by object_type, object_id)", tag=TAG
)
async def audit_log(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    q = AuditLog.filter(corp_id=corp.id)
    for name in ("object_type", "object_id", "actor", "action"):
        if request.query.get(name):
            q = q.filter(**{name: request.query[name]})
    rows = await q.order_by("-id").limit(query_int(request, "limit", 100, 1, 1000))
    return ok(
        [
            {
                "id": x.id,
                "actor": x.actor,
                "action": x.action,
                "object_type": x.object_type,
                "object_id": x.object_id,
                "data": x.data,
                "at": x.created_at,
            }
            for x in rows
        ]
    )
