"""The JSON API under /api/v1: importing the route modules registers them on `API`."""

from admin.api import (  # noqa: F401
    admin_settings,
    churn,
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
    mass_send,
    materials,
    posters,
    progress,
    quick_replies,
    reports,
    reports_forecast,
    reports_views,
    segments,
    sidebar,
    sidebar_materials,
    sop,
    tasks,
    transfer_rules,
    transfers,
)
from admin.api.openapi import API

__all__ = ["API"]
