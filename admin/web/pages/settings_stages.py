"""设置 · 商机阶段: each stage's forecast category (管道/最佳情况/承诺) and stagnation days."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from admin.api.deal_labels import FORECAST
from admin.web.pages.settings_common import base, corp_of, routes
from admin.web.render import page
from scrm.services import deals

# The categories an admin may choose; 已成交/已排除 follow the won and lost flags.
OPEN_CATEGORIES = ("pipeline", "best_case", "commit", "omitted")


@routes.get("/admin/settings/stages")
@page("settings_stages.html", nav="settings", title="设置 · 商机阶段", role="admin")
async def stages(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    if corp is None:
        return base("stages", None)
    rows = [
        {
            "id": s.id,
            "name": s.name,
            "probability": s.probability,
            "closed": s.is_won or s.is_lost,
            "outcome": "赢单" if s.is_won else ("输单" if s.is_lost else ""),
            "category": deals.category_for(s),
            "category_label": FORECAST.get(deals.category_for(s), deals.category_for(s)),
            "configured": s.forecast_category in deals.FORECAST_CATEGORIES,
            "stale_days": s.stale_days,
        }
        for s in await deals.ensure_stages(corp.id)
    ]
    choices = [(key, FORECAST[key]) for key in OPEN_CATEGORIES]
    return base("stages", corp, stages=rows, choices=choices)
