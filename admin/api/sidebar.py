"""JSON API: sidebar (being built)."""

from __future__ import annotations
