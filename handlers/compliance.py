"""Sensitive actions (deletions, failed transfers, dismissed groups) seen by compliance.

Each handler records the action and then passes the event on (`SkipHandler`): the contacts
and groups routers after this one still mirror the change. A WeCom retry records nothing new
(the dedup key is the event's own identity) and raises no second alert."""

from __future__ import annotations

from typing import Any, NoReturn

from scrm.compliance import actions
from scrm.infra.dispatch import Router, SkipHandler
from scrm.infra.job_names import COMPLIANCE_ARCHIVE
from scrm.models import Corp, GroupChat
from wecom.events import (
    DelExternalContact,
    DelFollowUser,
    ExternalChatDismiss,
    MsgAuditNotify,
    TransferFail,
)

router = Router(name=__name__)


async def _contact(corp: Corp, kind: str, event: Any, **details: str) -> NoReturn:
    """Record a staff↔customer action under the event's own identity, then pass it on."""
    await actions.record(
        corp,
        kind,
        staff_userid=event.user_id,
        external_userid=event.external_user_id,
        at=event.created_at,
        dedup_key=f"{event.user_id}:{event.external_user_id}:{event.create_time}",
        details=details or None,
    )
    raise SkipHandler


@router.event(DelExternalContact)
async def on_staff_deleted(event: DelExternalContact, corp: Corp) -> NoReturn:
    # Removed by 在职继承 is the transfer finishing, not the member deleting anyone.
    if event.by_transfer:
        raise SkipHandler
    await _contact(corp, "staff_deleted_customer", event)


@router.event(DelFollowUser)
async def on_customer_deleted(event: DelFollowUser, corp: Corp) -> NoReturn:
    await _contact(corp, "customer_deleted_staff", event)


@router.event(TransferFail)
async def on_transfer_fail(event: TransferFail, corp: Corp) -> NoReturn:
    # UserID is the takeover member: the one the customer refused (or who is full).
    await _contact(corp, "transfer_failed", event, reason=event.fail_reason)


@router.event(ExternalChatDismiss)
async def on_group_dismissed(event: ExternalChatDismiss, corp: Corp) -> NoReturn:
    # The event names only the chat; its owner (who dismissed it) is in our mirror.
    chat = await GroupChat.get_or_none(corp_id=corp.id, chat_id=event.chat_id)
    await actions.record(
        corp,
        "group_dismissed",
        staff_userid=chat.owner_userid if chat else "",
        chat_id=event.chat_id,
        at=event.created_at,
        dedup_key=f"{event.chat_id}::{event.create_time}",
    )
    raise SkipHandler


@router.event(MsgAuditNotify)
async def on_archive_notify(event: MsgAuditNotify, redis: Any = None) -> str:
    """WeCom says archived messages wait: pull now rather than at the next 15 s cron. One job
    per 15 s window (its id), so a burst of notices is one pull; the cursor does the rest."""
    if redis is None or not hasattr(redis, "enqueue_job"):  # replays without a queue
        return "no queue"
    window = event.create_time // 15
    job = await redis.enqueue_job(COMPLIANCE_ARCHIVE, _job_id=f"archive-notify:{window}")
    return "pull queued" if job is not None else "pull already queued"
