"""Sensitive actions (deletions, failed transfers, dismissed groups) seen by compliance.

Each handler records the action and then passes the event on (`SkipHandler`): the contacts
and groups routers after this one still mirror the change. A WeCom retry records nothing new
(the dedup key is the event's own identity) and raises no second alert."""

from __future__ import annotations

from typing import Any, NoReturn

from bot.dispatch import Router, SkipHandler
from bot.jobs.names import COMPLIANCE_ARCHIVE
from scrm.compliance import actions
from scrm.models import Corp, GroupChat
from wecom.events import (
    DelExternalContact,
    DelFollowUser,
    ExternalChatDismiss,
    MsgAuditNotify,
    TransferFail,
)

router = Router(name=__name__)


def _key(user_id: str, other: str, create_time: int) -> str:
    return f"{user_id}:{other}:{create_time}"


@router.event(DelExternalContact)
async def on_staff_deleted(event: DelExternalContact, corp: Corp) -> NoReturn:
    # Removed by 在职继承 is the transfer finishing, not the member deleting anyone.
    if not event.by_transfer:
        await actions.record(
            corp,
            "staff_deleted_customer",
            staff_userid=event.user_id,
            external_userid=event.external_user_id,
            at=event.created_at,
            dedup_key=_key(event.user_id, event.external_user_id, event.create_time),
        )
    raise SkipHandler


@router.event(DelFollowUser)
async def on_customer_deleted(event: DelFollowUser, corp: Corp) -> NoReturn:
    await actions.record(
        corp,
        "customer_deleted_staff",
        staff_userid=event.user_id,
        external_userid=event.external_user_id,
        at=event.created_at,
        dedup_key=_key(event.user_id, event.external_user_id, event.create_time),
    )
    raise SkipHandler


@router.event(TransferFail)
async def on_transfer_fail(event: TransferFail, corp: Corp) -> NoReturn:
    # UserID is the takeover member: the one the customer refused (or who is full).
    await actions.record(
        corp,
        "transfer_failed",
        staff_userid=event.user_id,
        external_userid=event.external_user_id,
        at=event.created_at,
        dedup_key=_key(event.user_id, event.external_user_id, event.create_time),
        details={"reason": event.fail_reason},
    )
    raise SkipHandler


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
        dedup_key=_key(event.chat_id, "", event.create_time),
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
