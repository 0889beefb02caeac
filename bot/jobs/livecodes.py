"""Cron: recompute every live code's eligible members (schedules, quotas, expiry) each minute."""

from __future__ import annotations

from typing import Any

from livecode import service
from scrm.infra.logging import get_logger
from scrm.models import Corp
from scrm.models.livecode import LiveCode

log = get_logger("bot.jobs.livecodes")


async def sync_live_codes(ctx: dict[str, Any]) -> int:
    """WeCom is only called for codes whose eligible set or skip_verify actually changed."""
    corps: dict[int, Corp] = {}
    count = 0
    for code in await LiveCode.filter(active=True).exclude(status="paused"):
        corp_pk = code.corp_id  # type: ignore[attr-defined]
        corp = corps.get(corp_pk) or await Corp.get(id=corp_pk)
        corps[corp_pk] = corp
        before = (code.status, list(code.synced_userids), code.skip_verify)
        await service.sync_code(code, ctx["clients"].for_corp(corp), corp, ctx["redis"])
        if (code.status, code.synced_userids, code.skip_verify) != before:
            log.info(
                "livecode.synced", code=code.name, status=code.status, users=code.synced_userids
            )
        count += 1
    return count
