"""Pages of the 群SOP menu: group SOP plans (sop_plans) and customer journeys (sop_journeys)."""

from __future__ import annotations

from aiohttp import web

from admin.web.pages import sop_journeys, sop_plans

# Two modules, one menu entry: the app adds these like any page module's `routes`.
routes: list[web.AbstractRouteDef] = [*sop_plans.routes, *sop_journeys.routes]
