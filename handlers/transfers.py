"""Hand-over and churn events: a transfer's end, a member who left, a customer who left.

Each handler does its part and passes the event on (`SkipHandler`) where other routers still
need it (compliance records, the contacts mirror)."""

from __future__ import annotations

from typing import Any, NoReturn

from scrm.infra.dispatch import Router, SkipHandler
from scrm.infra.logging import get_logger
from scrm.models import Corp, Handover, Staff
from scrm.services import churn, transfer_track
from wecom.client import WeComClient
from wecom.events import DelExternalContact, DelFollowUser, StaffDeleted, TransferFail

log = get_logger("handlers.transfers")
router = Router(name=__name__)


@router.event(TransferFail)
async def on_transfer_fail(event: TransferFail, corp: Corp) -> NoReturn:
    await transfer_track.on_transfer_fail(
        corp, event.user_id, event.external_user_id, event.fail_reason, event.created_at
    )
    raise SkipHandler


@router.event(DelExternalContact)
async def on_removed_by_transfer(
    event: DelExternalContact, corp: Corp, wecom: WeComClient | None = None
) -> NoReturn:
    # WeCom removes the handover member's relation when the takeover completes: that is
    # the hand-over done, sooner than the next poll of transfer_result would say.
    if event.by_transfer:
        rows = await Handover.filter(
            corp_id=corp.id,
            status="waiting",
            handover_userid=event.user_id,
            external_userid=event.external_user_id,
        )
        for row in rows:
            await transfer_track.finish(corp, row, "done", event.created_at, wecom)
    raise SkipHandler


@router.event(DelFollowUser)
async def on_customer_left(
    event: DelFollowUser, corp: Corp, wecom: WeComClient | None = None, redis: Any = None
) -> NoReturn:
    # Told here, within seconds; without a client or queue (a replay) the cron tells them.
    row = await churn.record(corp, event.user_id, event.external_user_id, event.created_at)
    if wecom is not None and redis is not None and hasattr(redis, "incr"):
        await churn.alert(corp, wecom, redis, row)
    raise SkipHandler


@router.event(StaffDeleted)
async def on_staff_left(event: StaffDeleted, corp: Corp) -> str:
    """The member's customers now wait on the 离职继承 list (read from WeCom when shown)."""
    changed = await Staff.filter(corp_id=corp.id, userid=event.user_id).update(active=False)
    log.info("transfers.staff_left", corp_id=corp.corp_id, userid=event.user_id, known=changed)
    return "staff_left"
