"""Friend-graph events (change_external_contact): keep follow relations true."""

from __future__ import annotations

from redis.asyncio import Redis

from scrm.enums import RelationStatus
from scrm.infra.dispatch import Router
from scrm.infra.logging import get_logger
from scrm.models import Corp
from scrm.models.livecode import LiveCodeAdd
from scrm.services import contacts
from scrm.sync.follow_up import queue_customer_refresh
from scrm.sync.refresh import refresh_customer
from wecom.client import WeComClient
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
async def on_add(event: AddExternalContact, corp: Corp, redis: Redis | None = None) -> str:
    await contacts.record_add(
        corp,
        event.user_id,
        event.external_user_id,
        at=event.created_at,
        state=event.state,
        welcome_code=event.welcome_code or "",
    )
    # The profile (name, avatar, remark, tags) comes from externalcontact/get in a job of its
    # own, after this one: nothing here may stand between an add and its welcome.
    await queue_customer_refresh(redis, corp.id, event.external_user_id)
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
async def on_edit(event: EditExternalContact, corp: Corp, wecom: WeComClient | None = None) -> str:
    # Remark/description/tags changed in the client: the event carries none of them, so the
    # profile and every relation are read back from externalcontact/get.
    if wecom is None:  # replaying without a client (tests, tools): the row is enough
        await contacts.ensure_customer(corp, event.external_user_id)
        return "edited"
    await refresh_customer(corp.id, wecom, event.external_user_id)
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
