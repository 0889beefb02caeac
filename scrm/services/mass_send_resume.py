"""A 群发 whose worker died mid-creation: take its lease over, find out from WeCom whether the
task being made when it died exists, and never put a recipient in two tasks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from scrm.models import MassSend, MassSendRecipient, MassSendTask
from scrm.models.base import corp_pk
from scrm.services import materials
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.common import Attachment, Text
from wecom.client.models.messages import GroupMsgListRequest, MsgTemplate

Content = Callable[[str], tuple[str, list[dict[str, Any]]]]  # sender → text, attachments
LEASE = timedelta(minutes=5)  # a live worker renews it after every task (one call each)
WINDOW = timedelta(minutes=5)  # clock skew between us and WeCom around a task's creation
MAX_PAGES = 20


@dataclass(frozen=True)
class Holder:
    """The worker making a send: its heartbeat id, whether that heartbeat is still fresh enough
    that nobody can have called it dead, and which of some holders are dead (decision 0038)."""

    id: str
    fresh: Callable[[], bool]
    dead: Callable[[set[str]], Awaitable[set[str]]]


class LeaseLost(Exception):
    """Another worker holds the send now (this one was taken for dead, or its lease lapsed)."""


async def reclaim(now: datetime, holder: Holder | None = None) -> list[int]:
    """Sends left "sending" with a lapsed (or given back) lease, or held by a dead worker,
    each taken by one worker."""
    stale = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE)
    if holder is not None:
        held = MassSend.filter(status="sending").exclude(claimed_by__in=("", holder.id))
        held_by = {str(h) for h in await held.distinct().values_list("claimed_by", flat=True)}
        if gone := await holder.dead(held_by) if held_by else set():
            stale |= Q(claimed_by__in=sorted(gone))
    rows = await MassSend.filter(stale, status="sending").values_list("id", "claimed_at")
    mine = []
    for send_id, at in rows:
        same = Q(claimed_at__isnull=True) if at is None else Q(claimed_at=at)
        took = await MassSend.filter(same, id=send_id, status="sending").update(
            claimed_at=now, claimed_by=holder.id if holder else ""
        )
        if took:
            mine.append(int(send_id))
    return mine


async def renew(send_id: int, holder: Holder | None) -> None:
    """Before each task: the lease renewed, if this worker still holds it and its heartbeat is
    fresh (the fence: a worker whose event loop stalled makes no task another has taken)."""
    now = datetime.now(UTC)
    if holder is None:
        await MassSend.filter(id=send_id).update(claimed_at=now)
        return
    if not holder.fresh():
        raise LeaseLost(f"heartbeat too old to go on with send {send_id}")
    mine = MassSend.filter(id=send_id, status="sending", claimed_by=holder.id)
    if not await mine.update(claimed_at=now):
        raise LeaseLost(f"send {send_id} is held by another worker")


async def give_back(send_id: int, holder: Holder | None) -> None:
    """The lease given back, so the next tick resumes at once; only if still this worker's."""
    mine = MassSend.filter(id=send_id, status="sending")
    if holder is not None:
        mine = mine.filter(claimed_by=holder.id)
    await mine.update(claimed_at=None)


async def placed(send_id: int) -> set[str]:
    """Everyone already in a task of this send (made, or being settled)."""
    rows = await MassSendRecipient.filter(send_id=send_id).values_list("target_id", flat=True)
    return {str(r) for r in rows}


async def create(
    client: WeComClient, send: MassSend, task: MassSendTask, chunk: list[str], content: Content
) -> bool:
    """Ask WeCom for the task whose rows are written; record its msgid, or the refusal."""
    try:
        text, attachments = content(task.sender)
        single = send.chat_type == "single"
        req = MsgTemplate(
            chat_type="single" if single else "group",
            external_userid=chunk if single else None,
            chat_id_list=None if single else chunk,
            sender=task.sender,
            text=Text(content=text) if text else None,
            attachments=[Attachment.model_validate(a) for a in attachments],
        )
        created = await client.add_msg_template(req)
    except (errors.WeComError, materials.MaterialError, ValueError) as exc:
        await MassSendTask.filter(id=task.id).update(error=str(exc)[:500])
        await MassSendRecipient.filter(task_id=task.id).delete()  # nobody is in it
        return False
    # recipients: what WeCom was given (a resumed task may hold fewer rows than first planned)
    await MassSendTask.filter(id=task.id).update(msgid=created.msgid, recipients=len(chunk))
    if created.fail_list:  # WeCom refused them at creation: not a friend
        await MassSendRecipient.filter(task_id=task.id, target_id__in=created.fail_list).update(
            status=2
        )
    return True


async def settle(
    send: MassSend, client: WeComClient, content: Content, holder: Holder | None = None
) -> int:
    """Tasks written but never answered (the worker died during the call): adopt the task
    WeCom made, if it made one, else make it now for the same recipients. Returns how many
    tasks now have a msgid."""
    hanging = await MassSendTask.filter(send_id=send.id, msgid="", error="").order_by("id")
    made = 0
    for task in hanging:
        await renew(send.id, holder)
        msgid = await _made_by_wecom(send, client, task, content(task.sender)[0])
        if msgid:
            rows = await MassSendRecipient.filter(task_id=task.id).count()
            await MassSendTask.filter(id=task.id).update(msgid=msgid, recipients=rows)
            made += 1
            continue
        chunk = list(
            await MassSendRecipient.filter(task_id=task.id).values_list("target_id", flat=True)
        )
        if not chunk:
            await MassSendTask.filter(id=task.id).update(error="没有可发送的对象")
            continue
        made += await create(client, send, task, [str(c) for c in chunk], content)
    return made


async def _made_by_wecom(
    send: MassSend, client: WeComClient, task: MassSendTask, text: str
) -> str:
    """The msgid of a task by this sender with this text, made around the task row's time
    and not yet owned by any of our tasks (get_groupmsg_list_v2, paged)."""
    known = set(
        await MassSendTask.filter(corp_id=corp_pk(send), sender=task.sender)
        .exclude(msgid="")
        .values_list("msgid", flat=True)
    )
    start = int((task.created_at - WINDOW).timestamp())
    end = int((datetime.now(UTC) + WINDOW).timestamp())
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await client.get_groupmsg_list(
            GroupMsgListRequest(
                chat_type="single" if send.chat_type == "single" else "group",
                start_time=start,
                end_time=end,
                creator=task.sender,
                cursor=cursor,
                limit=100,
            )
        )
        for m in page.group_msg_list:
            if m.msgid not in known and (m.text.content if m.text else "") == text:
                return m.msgid
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    return ""
