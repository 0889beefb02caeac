"""The JSON API under /api/v1: importing the route modules registers them on `API`."""

from admin.api import (  # noqa: F401
    admin_settings,
    compliance_alerts,
    compliance_rules,
    compliance_words,
    customers,
    deal_lists,
    deals,
    exports,
    group_livecodes,
    groups,
    journeys,
    lead_csv,
    lead_pool,
    lead_rules,
    leads,
    livecodes,
    posters,
    progress,
    quick_replies,
    reports,
    reports_forecast,
    reports_views,
    sidebar,
    sop,
    tasks,
)
from admin.api.openapi import API

__all__ = ["API"]
