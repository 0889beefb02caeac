"""JSON API: admin_settings (being built)."""

from __future__ import annotations
