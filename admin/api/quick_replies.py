"""JSON API: quick_replies (being built)."""

from __future__ import annotations
