"""Job: a large export, written in the worker (scrm/services/export_run.py)."""

from __future__ import annotations

from typing import Any

from scrm.services.export_run import from_job, run_export


async def export_file(
    ctx: dict[str, Any], data: dict[str, Any], fmt: str, op_id: str, total: int, owner: str
) -> None:
    await run_export(ctx["redis"], from_job(data), fmt, op_id, total, owner)
