"""Running a corp's sync for a job: one run reported to the page polling it, and the first
sync of every corp that never synced."""

from __future__ import annotations

from arq.connections import ArqRedis
from redis.asyncio import Redis

from scrm.infra import progress
from scrm.infra.clients import WeComClients
from scrm.infra.job_names import CORP_SYNC, first_sync_job_id
from scrm.models import Corp, SyncRun
from scrm.sync.corp import SyncBusy, run_corp_sync


async def run_reported(
    corp_pk: int, clients: WeComClients, redis: Redis, trigger: str, only: str, op_id: str
) -> str:
    """One run with its progress (when `op_id` is given) for the page polling it; the run's
    status, or why there was none."""
    corp = await Corp.get_or_none(id=corp_pk, active=True)
    if corp is None:
        return "no corp"

    async def report(message: str, done: int, total: int) -> None:
        if op_id:
            await progress.report(redis, op_id, done=done, total=max(total, 1), message=message)

    try:
        run = await run_corp_sync(
            corp_pk,
            clients.for_corp(corp),
            redis,
            only=only,
            trigger=trigger,
            report=report,
            op_id=op_id,
        )
    except SyncBusy as exc:
        if op_id:
            await progress.report(redis, op_id, done=0, total=1, state="failed", message=str(exc))
        return "busy"
    except Exception as exc:  # recorded on the SyncRun; the page hears it too
        if op_id:
            await progress.report(
                redis, op_id, done=0, total=1, state="failed", message=f"同步失败：{exc}"
            )
        return "failed"
    if op_id:
        await progress.report(
            redis,
            op_id,
            done=1,
            total=1,
            state="done",
            message=f"同步完成：API 调用 {run.api_calls} 次，写入 {run.rows_written} 行",
            result={"run": run.id, "counts": run.counts, "errors": run.errors},
        )
    return run.status


async def enqueue_first_syncs(arq: ArqRedis) -> int:
    """A corp that never synced gets its first full sync, once (the job id is fixed)."""
    queued = 0
    synced = set(await SyncRun.all().distinct().values_list("corp_id", flat=True))
    for corp in await Corp.filter(active=True).order_by("id").only("id"):
        if (pk := corp.id) not in synced:
            job = await arq.enqueue_job(CORP_SYNC, pk, "first", _job_id=first_sync_job_id(pk))
            queued += job is not None
    return queued
