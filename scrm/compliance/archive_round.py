"""One round of the chat archive for every corp: keep the intercept rule in step, pull after
the cursor, scan for sensitive words (the archive cron's one service call)."""

from __future__ import annotations

import os

import aiohttp
from redis.asyncio import Redis

from scrm.compliance import archive, intercept
from scrm.compliance.archive_sources import (
    ArchiveError,
    ArchiveKeys,
    ArchiveSource,
    FinanceSdkSource,
    SandboxSource,
)
from scrm.infra import locks
from scrm.infra.clients import WeComClients
from scrm.infra.logging import get_logger
from scrm.infra.settings import Settings
from scrm.models import Corp
from wecom.client import WeComClient
from wecom.errors import WeComError

log = get_logger("scrm.compliance.archive_round")
LOCK_SECONDS = 120  # longer than one run may take (the cron's timeout is 100 s)
# Native SDK handles are expensive and hold a connection: one per corp per process.
_sdk_sources: dict[str, FinanceSdkSource] = {}


def source_for(
    settings: Settings, corp: Corp, http: aiohttp.ClientSession
) -> ArchiveSource | None:
    """The configured source for this corp, or None when the archive is off or not installed."""
    secret = settings.archive_secret.get_secret_value() or corp.secret
    if settings.archive_source == "sandbox":
        return SandboxSource(http, corp.api_base, corp.corp_id, secret)
    if settings.archive_source == "finance_sdk" and os.path.exists(settings.archive_sdk_path):
        if corp.corp_id not in _sdk_sources:
            _sdk_sources[corp.corp_id] = FinanceSdkSource(
                settings.archive_sdk_path, corp.corp_id, secret
            )
        return _sdk_sources[corp.corp_id]
    return None


def keys_for(settings: Settings, corp: Corp) -> ArchiveKeys:
    return ArchiveKeys.from_dir(os.path.join(settings.archive_keys_dir, corp.corp_id))


async def pull_all(
    settings: Settings, redis: Redis, clients: WeComClients, http: aiohttp.ClientSession
) -> dict[str, int]:
    """Per corp, under a Redis lock so two workers never pull the same cursor at once. The
    cursor lives in the database, so a restart or a lost lock at worst repeats a batch, which
    storing ignores."""
    totals = {"stored": 0, "alerts": 0}
    for corp in await Corp.filter(active=True):
        name = f"scrm:compliance:archive:{corp.id}"
        async with locks.try_hold(redis, name, ttl=LOCK_SECONDS) as held:
            if held is not None:
                await _corp_round(settings, clients.for_corp(corp), http, corp, totals)
    return totals


async def _corp_round(
    settings: Settings,
    client: WeComClient,
    http: aiohttp.ClientSession,
    corp: Corp,
    totals: dict[str, int],
) -> None:
    try:
        await intercept.sync(
            corp.id,
            client,
            min_severity=settings.intercept_min_severity,
            intercept_type=settings.intercept_type,
        )
    except WeComError as exc:  # retried next run: the pushed version was not recorded
        log.warning("intercept.sync_failed", corp=corp.corp_id, error=str(exc))
    try:
        source = source_for(settings, corp, http)
        if source is None:
            return
        result = await archive.pull(
            corp.id, source, keys_for(settings, corp), limit=settings.archive_batch_size
        )
    except (ArchiveError, OSError) as exc:
        log.warning("archive.pull_failed", corp=corp.corp_id, error=str(exc))
        return
    totals["stored"] += result.stored
    totals["alerts"] += result.alerts
    if result.stored or result.stopped:
        log.info(
            "archive.pulled",
            corp=corp.corp_id,
            stored=result.stored,
            alerts=result.alerts,
            cursor=result.cursor,
            stopped=result.stopped,
        )
