"""JSON API: deal_lists (being built)."""

from __future__ import annotations
