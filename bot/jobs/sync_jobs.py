"""arq jobs of the corp sync: a full run (admin button, first start, nightly) and refreshes."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from redis.asyncio import Redis

from scrm.infra import progress
from scrm.infra.job_names import CORP_SYNC, first_sync_job_id
from scrm.infra.logging import get_logger
from scrm.models import Corp, SyncRun
from scrm.sync.corp import SyncBusy, run_corp_sync
from scrm.sync.refresh import refresh_customer, refresh_group, refresh_tags

log = get_logger("bot.jobs.sync_jobs")


async def corp_sync(
    ctx: dict[str, Any], corp_pk: int, trigger: str = "admin", only: str = "", op_id: str = ""
) -> str:
    """One run with its progress (when `op_id` is given) for the page polling it."""
    corp = await Corp.get_or_none(id=corp_pk, active=True)
    if corp is None:
        return "no corp"
    redis: Redis = ctx["redis"]

    async def report(message: str, done: int, total: int) -> None:
        if op_id:
            await progress.report(redis, op_id, done=done, total=max(total, 1), message=message)

    try:
        run = await run_corp_sync(
            corp_pk,
            ctx["clients"].for_corp(corp),
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


async def nightly_sync(ctx: dict[str, Any]) -> int:
    """The reconcile cron: every active corp, one after another (each under its own lock)."""
    ran = 0
    for corp in await Corp.filter(active=True).order_by("id"):
        ran += await corp_sync(ctx, corp.id, trigger="nightly") == "done"
    return ran


async def enqueue_first_syncs(arq: ArqRedis) -> int:
    """A corp that never synced gets its first full sync, once (the job id is fixed)."""
    queued = 0
    synced = set(await SyncRun.all().distinct().values_list("corp_id", flat=True))
    for corp in await Corp.filter(active=True).order_by("id").only("id"):
        if (pk := corp.id) not in synced:
            job = await arq.enqueue_job(CORP_SYNC, pk, "first", _job_id=first_sync_job_id(pk))
            queued += job is not None
    return queued


async def first_syncs(ctx: dict[str, Any]) -> int:
    """Each minute: a corp created after this worker started — `serve` creates the first one
    from SCRM_WECOM_*, and a deploy starts both at once — or added while Redis was away still
    gets its first sync, without waiting for a worker restart."""
    return await enqueue_first_syncs(ctx["redis"])


async def sync_refresh_customer(ctx: dict[str, Any], corp_pk: int, external_userid: str) -> str:
    corp = await Corp.get_or_none(id=corp_pk)
    if corp is None:
        return "no corp"
    found = await refresh_customer(corp_pk, ctx["clients"].for_corp(corp), external_userid)
    return "refreshed" if found is not None else "unknown"


async def sync_refresh_group(ctx: dict[str, Any], corp_pk: int, chat_id: str) -> str:
    corp = await Corp.get_or_none(id=corp_pk)
    if corp is None:
        return "no corp"
    ok = await refresh_group(corp_pk, ctx["clients"].for_corp(corp), chat_id)
    return "refreshed" if ok else "gone"


async def sync_refresh_tags(ctx: dict[str, Any], corp_pk: int) -> str:
    corp = await Corp.get_or_none(id=corp_pk)
    if corp is None:
        return "no corp"
    counts = await refresh_tags(corp_pk, ctx["clients"].for_corp(corp))
    return f"written {counts.rows_written}"
