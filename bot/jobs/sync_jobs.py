"""arq jobs of the corp sync: a full run (admin button, first start, nightly) and refreshes."""

from __future__ import annotations

from typing import Any

from scrm.infra.logging import get_logger
from scrm.models import Corp
from scrm.sync import corp_run
from scrm.sync.refresh import refresh_customer, refresh_group, refresh_tags

log = get_logger("bot.jobs.sync_jobs")


async def corp_sync(
    ctx: dict[str, Any], corp_pk: int, trigger: str = "admin", only: str = "", op_id: str = ""
) -> str:
    return await corp_run.run_reported(corp_pk, ctx["clients"], ctx["redis"], trigger, only, op_id)


async def nightly_sync(ctx: dict[str, Any]) -> int:
    """The reconcile cron: every active corp, one after another (each under its own lock)."""
    ran = 0
    for corp in await Corp.filter(active=True).order_by("id"):
        ran += await corp_sync(ctx, corp.id, trigger="nightly") == "done"
    return ran


async def first_syncs(ctx: dict[str, Any]) -> int:
    """Each minute: a corp created after this worker started — `serve` creates the first one
    from SCRM_WECOM_*, and a deploy starts both at once — or added while Redis was away still
    gets its first sync, without waiting for a worker restart."""
    return await corp_run.enqueue_first_syncs(ctx["redis"])


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
