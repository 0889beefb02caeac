"""Cron: hand-overs polled for their result (with backoff), churn alerts left untold, digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.infra.logging import get_logger
from scrm.models import ChurnEvent, Corp
from scrm.services import churn, transfer_track

log = get_logger("bot.jobs.transfers")


async def transfers_tick(ctx: dict[str, Any], now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(UTC)
    totals: dict[str, int] = {}
    for corp in await Corp.filter(active=True):
        client = ctx["clients"].for_corp(corp)
        for status, n in (await transfer_track.check_due(corp, client, now)).items():
            totals[status] = totals.get(status, 0) + n
        # A deletion whose alert was not sent by its handler (a replay without a queue).
        untold = await ChurnEvent.filter(
            corp_id=corp.id, notified_at__isnull=True, at__gte=now - timedelta(days=1)
        ).limit(500)
        for event in untold:
            totals["churn_alerts"] = totals.get("churn_alerts", 0) + await churn.alert(
                corp, client, ctx["redis"], event, now
            )
        totals["digests"] = totals.get("digests", 0) + await churn.send_digests(
            corp, client, ctx["redis"]
        )
    if any(totals.values()):
        log.info("transfers.tick", **totals)
    return totals
