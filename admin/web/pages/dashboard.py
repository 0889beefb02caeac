"""工作台: today's adds per code, welcome outcomes, open alerts, the funnel and SOP tasks due."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from admin.web.render import current, page
from livecode.common import local_now
from scrm.models import Alert, Corp, JourneyTask, SopRun
from scrm.models.livecode import LiveCode, LiveCodeAdd
from scrm.services import reports

routes = web.RouteTableDef()


async def _adds(corp: Corp, owners: list[str] | None) -> dict[str, Any]:
    today = local_now(corp).date()
    q = LiveCodeAdd.filter(corp_id=corp.id, day__gte=today - timedelta(days=6))
    if owners is not None:
        q = q.filter(userid__in=owners)
    rows = await q.values("code_id", "day", "welcome", "welcome_ms")
    names = dict(await LiveCode.filter(corp_id=corp.id).values_list("id", "name"))
    todays = [r for r in rows if r["day"] == today]
    per_code = Counter(names.get(r["code_id"], f"#{r['code_id']}") for r in todays)
    sent = [r["welcome_ms"] for r in todays if r["welcome"] == "sent" and r["welcome_ms"]]
    days = [today - timedelta(days=i) for i in range(6, -1, -1)]
    per_day = Counter(r["day"] for r in rows)
    return {
        "adds_today": len(todays),
        "per_code": per_code.most_common(10),
        "welcome_sent": len(sent),
        "welcome_failed": sum(r["welcome"] in ("failed", "expired") for r in todays),
        "welcome_p50_ms": round(statistics.median(sent)) if sent else None,
        "trend": {
            "labels": [d.strftime("%m-%d") for d in days],
            "adds": [per_day[d] for d in days],
        },
    }


async def _sop_due(corp: Corp, owners: list[str] | None) -> dict[str, int]:
    until = datetime.now(UTC) + timedelta(days=1)
    runs = SopRun.filter(corp_id=corp.id, status__in=("planned", "fired"), due_at__lt=until)
    tasks = JourneyTask.filter(corp_id=corp.id, status="fired")
    if owners is not None:
        runs, tasks = runs.filter(owner_userid__in=owners), tasks.filter(owner_userid__in=owners)
    return {"sop_runs": await runs.count(), "journey_tasks": await tasks.count()}


@routes.get("/admin/", name="dashboard")
@page("dashboard.html", nav="dashboard", title="工作台")
async def dashboard(request: web.Request) -> dict[str, Any]:
    who = current(request)
    corp = (
        await Corp.get(id=who.corp_pk) if who.corp_pk else await Corp.filter(active=True).first()
    )
    if corp is None:
        return {"corp": None}
    owners = who.owners()
    context: dict[str, Any] = {
        "corp": corp,
        **await _adds(corp, owners),
        **await _sop_due(corp, owners),
    }
    if who.at_least("admin"):
        context["open_alerts"] = await Alert.filter(corp_id=corp.id, status="open").count()
    if who.at_least("manager"):
        since = datetime.now(UTC) - timedelta(days=30)
        # Scoped as the person's lead list is: a manager's team and the pool, not the company.
        rows = await reports.funnel(
            corp.id, "channel", since, datetime.now(UTC), owners=owners, pool=True
        )
        keys = ("leads", "mql", "sql", "opportunities", "won")
        context["funnel"] = {k: sum(r[k] for r in rows) for k in keys}
        context["funnel_scope"] = "全公司" if owners is None else "本团队及公海"
    return context
