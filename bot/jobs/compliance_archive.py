"""Cron: pull the chat archive, scan it for sensitive words, keep the intercept rule in step."""

from __future__ import annotations

from typing import Any

from scrm.compliance import archive_round


async def compliance_archive(ctx: dict[str, Any]) -> dict[str, int]:
    """Every 15 s (WeCom's msgaudit_notify cadence); scrm/compliance/archive_round.py."""
    return await archive_round.pull_all(ctx["settings"], ctx["redis"], ctx["clients"], ctx["http"])
