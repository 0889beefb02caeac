"""A whole corp sync in order — staff, tags, customers, groups — under one lock, as a SyncRun."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from scrm.enums import SyncStatus
from scrm.infra import locks, progress
from scrm.infra.logging import get_logger
from scrm.models import Corp, SyncCursor, SyncRun
from scrm.sync.context import PageHook, Progress, SyncContext
from scrm.sync.customers import sync_customers
from scrm.sync.groups import sync_groups
from scrm.sync.staff import SyncRefused, sync_staff
from scrm.sync.tags import sync_tags
from wecom.client import WeComClient

log = get_logger("scrm.sync.corp")
STEPS = ("staff", "tags", "customers", "groups")
LABELS = {"staff": "成员与部门", "tags": "企业标签", "customers": "客户", "groups": "客户群"}
LOCK_SECONDS = 300  # renewed every page; a killed process frees the corp within this
BUSY = "该企业正在同步中，请等当前同步结束后再试"


class SyncBusy(Exception):
    """Another process holds this corp's sync lock."""

    def __init__(self) -> None:
        super().__init__(BUSY)


def lock_name(corp_pk: int) -> str:
    return f"sync:lock:{corp_pk}"


async def is_running(redis: Redis, corp_pk: int) -> bool:
    return bool(await redis.exists(lock_name(corp_pk)))


async def run_corp_sync(
    corp_pk: int,
    client: WeComClient,
    redis: Redis,
    *,
    only: str = "",
    trigger: str = "cli",
    report: Progress | None = None,
    after_page: PageHook | None = None,
    op_id: str = "",
    customer_page: int = 100,
    group_page: int = 1000,
) -> SyncRun:
    """Run the steps (all, or `only` one) and return the finished SyncRun. Raises SyncBusy when
    the corp is already syncing; any other failure is recorded on the run, then raised."""
    if only and only not in STEPS:
        raise ValueError(f"only must be one of {', '.join(STEPS)}")
    async with locks.try_hold(redis, lock_name(corp_pk), ttl=LOCK_SECONDS) as lock:
        if lock is None:
            raise SyncBusy()
        return await _run(
            corp_pk,
            client,
            redis,
            lock,
            only,
            trigger,
            report,
            after_page,
            op_id,
            customer_page,
            group_page,
        )


async def _run(
    corp_pk: int,
    client: WeComClient,
    redis: Redis,
    lock: Any,
    only: str,
    trigger: str,
    report: Progress | None,
    after_page: PageHook | None,
    op_id: str,
    customer_page: int,
    group_page: int,
) -> SyncRun:
    corp = await Corp.get(id=corp_pk)
    steps = (only,) if only else STEPS
    # We hold the lock: a run still marked running was cut short (a kill) and never finished.
    await SyncRun.filter(corp_id=corp_pk, status="running").update(status="interrupted")
    resumed = await SyncCursor.exists(corp_id=corp_pk, step__in=list(steps))
    run = await SyncRun.create(corp_id=corp_pk, trigger=trigger, only=only, resumed=resumed)
    ctx = SyncContext(corp_pk, client, redis, after_page=after_page, lock=lock)
    ctx.customer_page, ctx.group_page = customer_page, group_page
    if report is not None:
        ctx.progress = report
    started = time.monotonic()
    try:
        for n, step in enumerate(steps):
            await ctx.progress(f"第 {n + 1}/{len(steps)} 步：{LABELS[step]}", n, len(steps))
            await _step(step, corp, ctx, op_id or progress.new_id())
    except Exception as exc:
        ctx.counts.errors.append(_reason(exc))
        await _finish(run, ctx, SyncStatus.FAILED, started)
        log.warning("corp_sync.failed", corp_id=corp.corp_id, run=run.id, error=_reason(exc))
        raise
    # A finished sync starts the next one from the top.
    await SyncCursor.filter(corp_id=corp_pk, step__in=list(steps)).delete()
    await _finish(run, ctx, SyncStatus.DONE, started)
    log.info(
        "corp_sync.done",
        corp_id=corp.corp_id,
        run=run.id,
        calls=run.api_calls,
        rows=run.rows_written,
        ms=run.duration_ms,
    )
    return run


async def _step(step: str, corp: Corp, ctx: SyncContext, op_id: str) -> None:
    if step == "staff":
        got = await sync_staff(corp, ctx.client, ctx.redis, op_id)
        ctx.counts.add(
            "staff", added=got["added"], changed=got["updated"], ended=got["deactivated"]
        )
    elif step == "tags":
        await sync_tags(corp.id, ctx.client, ctx.counts)
    elif step == "customers":
        await sync_customers(ctx)
    else:
        await sync_groups(ctx)


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, SyncRefused) else f"{type(exc).__name__}: {exc}"[:500]


async def _finish(run: SyncRun, ctx: SyncContext, status: SyncStatus, started: float) -> None:
    run.status = status
    run.finished_at = datetime.now(UTC)
    run.counts = ctx.counts.as_dict()
    run.api_calls = ctx.api_calls
    run.rows_written = ctx.counts.rows_written
    run.duration_ms = round((time.monotonic() - started) * 1000)
    run.errors = ctx.counts.errors[-50:]  # a corp of refusing members must not bloat the row
    await run.save()
