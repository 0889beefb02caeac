"""Following hand-overs to their end: transfer_result polled with backoff, transfer_fail used
when it arrives. Done moves the customer's records; refused or over-limit moves nothing."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from scrm.enums import HandoverStatus
from scrm.infra.logging import get_logger
from scrm.models import Corp, Handover
from scrm.services import transfer_moves
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.misc import TransferResultRequest, TransferStatus

log = get_logger("scrm.services.transfer_track")
FIRST = timedelta(minutes=1)
LONGEST = timedelta(hours=1)
STATUS = {1: "done", 3: "refused", 4: "limit", 5: "failed"}
REASONS = {
    "refused": "客户拒绝接替",
    "limit": "接替成员的客户数已达上限",
    "failed": "企业微信无接替记录",
}
FAIL_REASONS = {"customer_refused": "refused", "customer_limit_exceed": "limit"}


def backoff(checks: int) -> timedelta:
    """1, 2, 4 … minutes between polls, at most an hour (the takeover itself takes 24 h)."""
    return min(FIRST * (2 ** min(checks, 10)), LONGEST)


async def finish(
    corp: Corp, row: Handover, status: str, at: datetime, client: WeComClient | None = None
) -> None:
    """Record the end of a hand-over; done moves the records (once), anything else nothing."""
    if row.status != "waiting":
        return
    row.status, row.finished_at, row.next_check_at = HandoverStatus(status), at, None
    row.reason = REASONS.get(status, "")
    fields = ["status", "finished_at", "next_check_at", "reason", "updated_at"]
    await row.save(update_fields=fields)
    if status == "done":
        await transfer_moves.move_customer(corp, row, at, client)
    log.info("transfer.finished", corp=corp.corp_id, handover_id=row.id, status=status)


async def _results(
    client: WeComClient, kind: str, handover: str, takeover: str
) -> dict[str, TransferStatus]:
    found: dict[str, TransferStatus] = {}
    cursor: str | None = None
    call = client.resigned_transfer_result if kind == "resigned" else client.transfer_result
    for _ in range(100):  # 100 pages of 1000: far beyond any one pair's hand-overs
        req = TransferResultRequest(
            handover_userid=handover, takeover_userid=takeover, cursor=cursor
        )
        page = await call(req)
        found.update({c.external_userid: c for c in page.customer})
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    return found


async def check_due(
    corp: Corp, client: WeComClient, now: datetime | None = None, limit: int = 5000
) -> dict[str, int]:
    """Poll WeCom for every waiting hand-over whose next check is due; counts by outcome."""
    now = now or datetime.now(UTC)
    rows = (
        await Handover.filter(
            corp_id=corp.id, status="waiting", chat_id="", next_check_at__lte=now
        )
        .order_by("next_check_at")
        .limit(limit)
    )
    pairs: dict[tuple[str, str, str], list[Handover]] = defaultdict(list)
    for row in rows:
        pairs[(row.kind, row.handover_userid, row.takeover_userid)].append(row)
    counts: dict[str, int] = defaultdict(int)
    for (kind, handover, takeover), group in pairs.items():
        try:
            results = await _results(client, kind, handover, takeover)
        except errors.WeComError as exc:
            log.warning("transfer.result_failed", corp=corp.corp_id, errcode=exc.errcode)
            results = {}
        for row in group:
            result = results.get(row.external_userid)
            status = STATUS.get(result.status) if result else None
            if status is None:  # still waiting (or WeCom could not answer): back off
                row.checks += 1
                row.next_check_at = now + backoff(row.checks)
                await row.save(update_fields=["checks", "next_check_at", "updated_at"])
                counts["waiting"] += 1
                continue
            at = now
            if result is not None and result.takeover_time:
                at = datetime.fromtimestamp(result.takeover_time, tz=UTC)
            await finish(corp, row, status, at, client)
            counts[status] += 1
    return dict(counts)


async def on_transfer_fail(
    corp: Corp, takeover: str, external_userid: str, fail_reason: str, at: datetime
) -> int:
    """WeCom's transfer_fail callback: the waiting hand-over(s) to `takeover` end now."""
    status = FAIL_REASONS.get(fail_reason, "failed")
    rows = await Handover.filter(
        corp_id=corp.id,
        status="waiting",
        takeover_userid=takeover,
        external_userid=external_userid,
    )
    for row in rows:
        await finish(corp, row, status, at)
    return len(rows)
