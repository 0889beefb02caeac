"""Job: a large export (over 10 000 rows) written in the worker with progress; the file waits
in Redis for a day, for its requester to download."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from scrm.infra import progress
from scrm.infra.logging import get_logger
from scrm.services import export, export_sources
from scrm.services.reports_common import Scope

log = get_logger("scrm.services.export_run")
TTL_SECONDS = 24 * 3600


def file_key(op_id: str) -> str:
    return f"export:file:{op_id}"


def to_job(req: export_sources.Request) -> dict[str, Any]:
    """Plain values for the queue: no rows, no ORM objects."""
    s = req.scope
    return {
        "source": req.source,
        "role": req.role,
        "params": req.params,
        "scope": {
            "corp_id": s.corp_id,
            "since": s.since.isoformat(),
            "until": s.until.isoformat(),
            "owners": s.owners,
            "member": s.member,
            "channel": s.channel,
            "tz": s.tz,
        },
    }


def from_job(data: dict[str, Any]) -> export_sources.Request:
    s = dict(data["scope"])
    s["since"], s["until"] = datetime.fromisoformat(s["since"]), datetime.fromisoformat(s["until"])
    return export_sources.Request(data["source"], Scope(**s), data["role"], data["params"])


def filename(source: str, fmt: str) -> str:
    return f"{export_sources.title(source)}.{fmt}"


async def run_export(
    redis: Redis, req: export_sources.Request, fmt: str, op_id: str, total: int, owner: str
) -> None:
    """Write the file, reporting rows done after every batch; the final report names the
    download (kept with its owner: only they may fetch it)."""

    async def step(done: int) -> None:
        await progress.report(redis, op_id, done=done, total=total)

    try:
        headers, kinds = export_sources.headers(req.source)
        body = await export.write(
            fmt,
            export_sources.title(req.source),
            headers,
            kinds,
            export_sources.batches(req),
            progress=step,
        )
    except Exception:  # the page must learn that it stopped, whatever the cause
        log.exception("export.failed", op=op_id, source=req.source)
        message = f"导出失败（操作 {op_id}），详情见服务日志"
        await progress.report(redis, op_id, done=0, total=total, state="failed", message=message)
        return
    await redis.set(file_key(op_id), body, ex=TTL_SECONDS)
    await progress.report(
        redis,
        op_id,
        done=total,
        total=total,
        state="done",
        message=f"导出完成：{total} 行",
        result={
            "download": f"/api/v1/exports/files/{op_id}",
            "filename": filename(req.source, fmt),
            "format": fmt,
            "owner": owner,
        },
    )
