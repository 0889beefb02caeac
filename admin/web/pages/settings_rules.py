"""设置 · 规则: lead settings (thresholds, grades, decay, pool and recycling), scoring and
assignment rules, and the full re-score with its progress bar."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from admin.api.admin_settings_rules import assignment_out, rule_out
from admin.web.pages.settings_common import base, corp_of, routes, staff_names
from admin.web.render import page
from scrm.models import AssignmentRule, ScoringRule
from scrm.services import scoring
from scrm.services.scoring import OPS

GRADES = ("S", "A", "B", "C", "D")
KINDS = {"attribute": "属性", "behaviour": "行为"}
OP_LABELS = {
    "eq": "等于",
    "in": "属于其一",
    "contains": "包含",
    "gte": "≥",
    "lte": "≤",
    "exists": "有值",
    "event": "发生事件",
}
STRATEGIES = {
    "round_robin": "轮流",
    "weighted": "按权重",
    "least_loaded": "最少持有优先",
    "pool": "进入公海",
}


# Lead fields an assignment rule tests, as people name them; form attributes keep their own
# (usually Chinese) names.
CONDITION_FIELDS = {
    "city": "城市", "province": "省份", "channel": "渠道", "platform": "来源平台",
    "campaign": "活动", "grade": "线索评级", "status": "线索状态", "industry": "行业",
    "source": "来源", "gender": "性别",
}  # fmt: skip
LEAD_STATUS = {
    "new": "新线索",
    "mql": "MQL",
    "sql": "SQL",
    "converted": "已转化",
    "lost": "已流失",
}


def conditions_text(conditions: dict[str, Any]) -> str:
    """{"city": ["上海", "杭州"], "grade": ["S"]} → 城市是 上海 或 杭州；线索评级是 S."""
    if not conditions:
        return "全部线索"
    parts = []
    for key, allowed in conditions.items():
        values = allowed if isinstance(allowed, list) else [allowed]
        shown = [LEAD_STATUS.get(str(v), str(v)) if key == "status" else str(v) for v in values]
        parts.append(f"{CONDITION_FIELDS.get(key, key)}是 {' 或 '.join(shown)}")
    return "；".join(parts)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if value is not None else ""


@routes.get("/admin/settings/rules")
@page("settings_rules.html", nav="settings", title="设置 · 规则", role="admin")
async def rules(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    if corp is None:
        return base("rules", None)
    current = await scoring.settings_for(corp.id)
    scoring_rules = [
        {**rule_out(r), "value_text": _show(r.value)}
        for r in await ScoringRule.filter(corp_id=corp.id, active=True).order_by("id")
    ]
    assignment_rules = [
        {
            **assignment_out(r),
            "conditions_text": conditions_text(r.conditions),
        }
        for r in await AssignmentRule.filter(corp_id=corp.id, active=True).order_by(
            "priority", "id"
        )
    ]
    return base(
        "rules",
        corp,
        settings=current,
        grades=GRADES,
        scoring_rules=scoring_rules,
        assignment_rules=assignment_rules,
        kinds=KINDS,
        ops=[(op, OP_LABELS.get(op, op)) for op in OPS],
        op_labels=OP_LABELS,
        strategies=STRATEGIES,
        names=await staff_names(corp),
    )
