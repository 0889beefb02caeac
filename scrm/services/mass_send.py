"""客户群发 / 客户群群发: make one add_msg_template task per sending member (split at WeCom's
per-call limits), leaving out who already hit this month's receive cap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrm.models import Corp, MassSend, MassSendRecipient, MassSendTask, Material
from scrm.models.base import corp_pk
from scrm.services import materials, radar
from scrm.services.mass_send_reach import (
    MAX_CHATS,
    MAX_CUSTOMERS,
    Target,
    TargetError,
    cap_for,
    received_this_month,
    resolve,
)
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.common import Attachment, Text
from wecom.client.models.messages import MsgTemplate

ClientFor = Callable[[Corp], WeComClient]
ROW_BATCH = 1000


@dataclass(frozen=True)
class RunOptions:
    base_url: str = ""  # where /r/{token} is served (雷达 links)
    tz: str = "Asia/Shanghai"
    monthly_cap: int = 0  # 0: the month's number of days


async def claim(send_id: int) -> bool:
    """scheduled → sending, by exactly one worker."""
    return bool(await MassSend.filter(id=send_id, status="scheduled").update(status="sending"))


async def due(now: datetime) -> list[int]:
    rows = await MassSend.filter(status="scheduled", send_at__lte=now).values_list("id")
    return [int(i) for (i,) in rows]


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def run(
    send_id: int, client_for: ClientFor, opts: RunOptions, now: datetime | None = None
) -> dict[str, int]:
    """Make the tasks of a claimed send. A task WeCom refuses is kept with its error; the
    others go on (members confirm each by hand, so a partial 群发 is still useful)."""
    now = now or datetime.now(UTC)
    send = await MassSend.get(id=send_id)
    corp = await Corp.get(id=corp_pk(send))
    scope = send.target.get("scope")
    try:
        target = Target.model_validate(send.target["spec"])
        plan = await resolve(corp.id, send.chat_type, target, scope, opts.tz)
        mats = await materials.load(corp.id, send.material_ids)
    except (TargetError, materials.MaterialError, KeyError, ValueError) as exc:
        await MassSend.filter(id=send_id).update(status="failed", error=str(exc)[:500])
        return {"tasks": 0, "failed": 1}
    got = await received_this_month(corp.id, now, opts.tz)
    limit = cap_for(now, opts.tz, opts.monthly_cap)
    client = client_for(corp)
    size = MAX_CHATS if send.chat_type == "group" else MAX_CUSTOMERS
    made = failed = planned = 0
    for sender, targets in plan.items():
        targets = [t for t in targets if got[t] < limit]  # WeCom would skip them anyway
        for chunk in _chunks(targets, size):
            planned += len(chunk)
            ok = await _one_task(client, send, corp.id, sender, chunk, mats, opts)
            made, failed = made + ok, failed + (not ok)
    await materials.count_use(send.material_ids)
    status = "sent" if made else "failed"
    await MassSend.filter(id=send_id).update(
        status=status,
        planned=planned,
        next_track_at=now,
        error="" if made else (send.error or "没有可发送的对象"),
    )
    return {"tasks": made, "failed": failed, "recipients": planned}


async def _one_task(
    client: WeComClient,
    send: MassSend,
    corp_id: int,
    sender: str,
    chunk: list[str],
    mats: list[Material],
    opts: RunOptions,
) -> bool:
    claim_ = radar.Claim(corp_id, 0, sender, "", f"mass:{send.id}")
    task = await MassSendTask.create(
        corp_id=corp_id, send_id=send.id, sender=sender, recipients=len(chunk)
    )
    try:
        text, attachments = _content(send, mats, claim_, opts.base_url)
        single = send.chat_type == "single"
        req = MsgTemplate(
            chat_type="single" if single else "group",
            external_userid=chunk if single else None,
            chat_id_list=None if single else chunk,
            sender=sender,
            text=Text(content=text) if text else None,
            attachments=[Attachment.model_validate(a) for a in attachments],
        )
        created = await client.add_msg_template(req)
    except (errors.WeComError, materials.MaterialError, ValueError) as exc:
        await MassSendTask.filter(id=task.id).update(error=str(exc)[:500])
        return False
    await MassSendTask.filter(id=task.id).update(msgid=created.msgid)
    failed = set(created.fail_list)
    rows = [
        MassSendRecipient(
            corp_id=corp_id,
            task_id=task.id,
            send_id=send.id,
            target_id=t,
            status=2 if t in failed else 0,  # WeCom refused it at creation: not a friend
        )
        for t in chunk
    ]
    for i in range(0, len(rows), ROW_BATCH):
        await MassSendRecipient.bulk_create(rows[i : i + ROW_BATCH])
    return True


def _content(
    send: MassSend, mats: list[Material], claim_: radar.Claim, base_url: str
) -> tuple[str, list[dict[str, Any]]]:
    # A 群发 task carries one message for all its customers, so a tracked link names the
    # member and the send; the opener is identified when the link is opened.
    return materials.compose(send.text, mats, base_url=base_url, claim=claim_)
