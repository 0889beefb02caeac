"""JSON API: customers (being built)."""

from __future__ import annotations
