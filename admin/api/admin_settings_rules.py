"""What the 规则 tab needs beside admin/api/lead_rules.py: read and retire single rules, and a
full re-score that reports its progress (the existing recompute is a silent arq job)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from redis.asyncio import Redis

from admin.api import admin_settings_tasks as tasks
from admin.api.auth import require
from admin.api.common import corp_for, not_found, ok, path_id
from admin.api.openapi import API
from scrm.infra import keys, progress
from scrm.leads import schemas as s
from scrm.models import AssignmentRule, Lead, ScoringRule
from scrm.services import scoring

TAG = "leads"
RESCORE = "rescore"
BATCH = 500


def rule_out(r: ScoringRule) -> dict[str, Any]:
    return s.ScoringRuleOut(
        id=r.id,
        name=r.name,
        kind=r.kind,
        field=r.field,
        op=r.op,
        value=r.value,
        points=r.points,
        cap=r.cap,
    ).model_dump()


def assignment_out(r: AssignmentRule) -> dict[str, Any]:
    return s.AssignmentRuleOut(
        id=r.id,
        name=r.name,
        priority=r.priority,
        conditions=r.conditions,
        members=r.members,
        weights=r.weights,
        strategy=r.strategy,
    ).model_dump()


@API.route(
    "GET",
    "/api/v1/assignment-rules",
    "Assignment rules, lowest priority number first",
    tag=TAG,
    response=s.AssignmentRuleOut,
    many=True,
)
async def list_assignment_rules(request: web.Request) -> web.Response:
    require(request, "manager")  # who receives which leads: not for every member of staff
    corp = await corp_for(request)
    rows = await AssignmentRule.filter(corp_id=corp.id, active=True).order_by("priority", "id")
    return ok([assignment_out(r) for r in rows])


async def _active(
    request: web.Request, model: type[ScoringRule | AssignmentRule], label: str
) -> Any:
    corp = await corp_for(request)
    row = await model.get_or_none(id=path_id(request, label), corp_id=corp.id, active=True)
    if row is None:
        raise not_found(label)
    return row


@API.route(
    "GET",
    "/api/v1/assignment-rules/{id}",
    "One assignment rule",
    tag=TAG,
    response=s.AssignmentRuleOut,
)
async def get_assignment_rule(request: web.Request) -> web.Response:
    require(request, "manager")
    return ok(assignment_out(await _active(request, AssignmentRule, "assignment rule")))


@API.route("DELETE", "/api/v1/assignment-rules/{id}", "Retire an assignment rule", tag=TAG)
async def delete_assignment_rule(request: web.Request) -> web.Response:
    require(request, "admin")
    rule = await _active(request, AssignmentRule, "assignment rule")
    rule.active = False  # kept, not deleted: leads assigned by it still name it in history
    await rule.save(update_fields=["active", "updated_at"])
    return ok({"deleted": rule.id})


@API.route(
    "GET", "/api/v1/scoring-rules/{id}", "One scoring rule", tag=TAG, response=s.ScoringRuleOut
)
async def get_scoring_rule(request: web.Request) -> web.Response:
    return ok(rule_out(await _active(request, ScoringRule, "scoring rule")))


@API.route("DELETE", "/api/v1/scoring-rules/{id}", "Retire a scoring rule", tag=TAG)
async def delete_scoring_rule(request: web.Request) -> web.Response:
    require(request, "admin")
    rule = await _active(request, ScoringRule, "scoring rule")
    rule.active = False  # leads' per-rule behaviour points keep their key
    await rule.save(update_fields=["active", "updated_at"])
    scoring.forget(rule.corp_id)
    return ok({"deleted": rule.id})


async def rescore_with_progress(corp_pk: int, redis: Redis, op_id: str) -> dict[str, int]:
    """lead_sources.rescore in batches, reporting after each: the same result, visibly."""
    scoring.forget(corp_pk)
    rules = await scoring.active_rules(corp_pk)
    settings = await scoring.settings_for(corp_pk)
    ids = list(
        await Lead.filter(corp_id=corp_pk, merged_into_id=None)
        .order_by("id")
        .values_list("id", flat=True)
    )
    changed = 0
    for start in range(0, len(ids), BATCH):
        batch = await Lead.filter(id__in=ids[start : start + BATCH])
        moved = scoring.rescored(batch, settings, rules)
        if moved:
            await Lead.bulk_update(moved, fields=scoring.RESCORED)
        changed += len(moved)
        done = min(start + BATCH, len(ids))
        await progress.report(
            redis, op_id, done=done, total=len(ids), message=f"已重算 {done}/{len(ids)} 条线索"
        )
    result = {"leads": len(ids), "changed": changed}
    await progress.report(
        redis,
        op_id,
        done=max(len(ids), 1),
        total=max(len(ids), 1),
        state="done",
        message=f"重算完成：{len(ids)} 条线索，{changed} 条分数或等级有变化",
        result=result,
    )
    return result


@API.route(
    "POST",
    "/api/v1/scoring-rules/rescore",
    "Re-score every lead in the background; poll /api/v1/progress/{id}",
    tag=TAG,
    response=tasks.Started,
    status=202,
)
async def rescore(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    redis = request.config_dict[keys.ARQ]

    async def work(op_id: str) -> None:
        await rescore_with_progress(corp.id, redis, op_id)

    op_id, started = await tasks.launch(redis, RESCORE, corp.id, work)
    return ok({"id": op_id, "started": started}, status=202)
