"""Friend-graph events (change_external_contact): keep follow relations true."""

from __future__ import annotations

from bot.dispatch import Router
from bot.logging import get_logger
from livecode.models import LiveCodeAdd
from scrm.enums import RelationStatus
from scrm.models import Corp
from scrm.services import contacts
from wecom.events import (
    AddExternalContact,
    AddHalfExternalContact,
    DelExternalContact,
    DelFollowUser,
    EditExternalContact,
    TransferFail,
)

log = get_logger("handlers.contacts")
router = Router(name=__name__)


@router.event(AddExternalContact)
async def on_add(event: AddExternalContact, corp: Corp) -> str:
    await contacts.record_add(
        corp,
        event.user_id,
        event.external_user_id,
        at=event.created_at,
        state=event.state,
        welcome_code=event.welcome_code or "",
    )
    return "added"


@router.event(AddHalfExternalContact)
async def on_add_half(event: AddHalfExternalContact, corp: Corp) -> str:
    await contacts.record_add(
        corp,
        event.user_id,
        event.external_user_id,
        at=event.created_at,
        state=event.state,
        welcome_code=event.welcome_code or "",
        pending=True,
    )
    return "pending"


@router.event(EditExternalContact)
async def on_edit(event: EditExternalContact, corp: Corp) -> str:
    # Remark/description/tags changed in the client: the event carries none of them, so the
    # relation is touched here and the details come from the next customer sync.
    await contacts.ensure_customer(corp, event.external_user_id)
    return "edited"


@router.event(DelExternalContact)
async def on_staff_deleted(event: DelExternalContact, corp: Corp) -> str:
    status = RelationStatus.TRANSFERRED if event.by_transfer else RelationStatus.STAFF_DELETED
    await contacts.record_removal(
        corp, event.user_id, event.external_user_id, at=event.created_at, status=status
    )
    return status.value


@router.event(DelFollowUser)
async def on_customer_deleted(event: DelFollowUser, corp: Corp) -> str:
    # A customer who came through a live code and left: a loss in that code's statistics.
    await LiveCodeAdd.filter(
        corp_id=corp.id,
        userid=event.user_id,
        external_userid=event.external_user_id,
        lost_at__isnull=True,
    ).update(lost_at=event.created_at)
    await contacts.record_removal(
        corp,
        event.user_id,
        event.external_user_id,
        at=event.created_at,
        status=RelationStatus.CUSTOMER_DELETED,
    )
    return RelationStatus.CUSTOMER_DELETED.value


@router.event(TransferFail)
async def on_transfer_fail(event: TransferFail, corp: Corp) -> str:
    log.warning(
        "contacts.transfer_failed",
        corp_id=corp.corp_id,
        takeover=event.user_id,
        external_userid=event.external_user_id,
        reason=event.fail_reason,
    )
    return "transfer_fail"
