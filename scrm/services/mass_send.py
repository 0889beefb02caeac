"""客户群发 / 客户群群发: make one add_msg_template task per sending member (split at WeCom's
per-call limits), leaving out who already hit this month's receive cap; a send whose worker
died is resumed without sending anyone twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrm.infra import clock
from scrm.models import Corp, MassSend, MassSendRecipient, MassSendTask, Material
from scrm.models.base import corp_pk
from scrm.services import mass_send_resume, materials, radar
from scrm.services.mass_send_reach import (
    MAX_CHATS,
    MAX_CUSTOMERS,
    Target,
    TargetError,
    cap_for,
    received_this_month,
    resolve,
)
from scrm.services.mass_send_resume import Holder
from wecom.client import WeComClient

ClientFor = Callable[[Corp], WeComClient]
ROW_BATCH = 1000


@dataclass(frozen=True)
class RunOptions:
    base_url: str = ""  # where /r/{token} is served (雷达 links)
    tz: str = clock.DEFAULT_ZONE
    monthly_cap: int = 0  # 0: the month's number of days


async def claim(send_id: int, by: str = "") -> bool:
    """scheduled → sending, by exactly one worker (who holds the lease from now)."""
    now = datetime.now(UTC)
    return bool(
        await MassSend.filter(id=send_id, status="scheduled").update(
            status="sending", claimed_at=now, claimed_by=by
        )
    )


async def due(now: datetime) -> list[int]:
    rows = await MassSend.filter(status="scheduled", send_at__lte=now).values_list("id")
    return [int(i) for (i,) in rows]


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def run(
    send_id: int,
    client_for: ClientFor,
    opts: RunOptions,
    now: datetime | None = None,
    holder: Holder | None = None,
) -> dict[str, int]:
    """Make the tasks of a claimed send. A task WeCom refuses is kept with its error; the
    others go on (members confirm each by hand, so a partial 群发 is still useful).
    `holder`: the worker holding the send (None: a lease without a heartbeat, as in tests)."""
    try:
        return await _run(send_id, client_for, opts, now, holder)
    except mass_send_resume.LeaseLost:
        # Taken by another worker: give_back leaves it alone (it names the holder). Still
        # ours but our heartbeat is stale: given back, so the next tick resumes it at once.
        with contextlib.suppress(Exception):
            await asyncio.shield(mass_send_resume.give_back(send_id, holder))
        raise
    except BaseException:
        # Stopped mid-way (shutdown, job timeout, Redis or the database gone — the cluster
        # harness restarts Redis): give the lease back so the next tick resumes at once
        # instead of after LEASE. The resume asks WeCom about the task being made, so no
        # one is sent twice. If the database is what failed, the lease runs out instead.
        with contextlib.suppress(Exception):
            await asyncio.shield(mass_send_resume.give_back(send_id, holder))
        raise


async def _run(
    send_id: int,
    client_for: ClientFor,
    opts: RunOptions,
    now: datetime | None,
    holder: Holder | None,
) -> dict[str, int]:
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
    client = client_for(corp)
    # A resumed send: settle the task a dead worker was making, and leave out everyone
    # already in a task, so each recipient is in one task only.
    resumed = await MassSendTask.filter(send_id=send_id).exists()
    made = await mass_send_resume.settle(
        send, client, lambda s: _content(send, mats, s, opts), holder
    )
    done = await mass_send_resume.placed(send_id)
    got = await received_this_month(corp.id, now, opts.tz)
    limit = cap_for(now, opts.tz, opts.monthly_cap)
    size = MAX_CHATS if send.chat_type == "group" else MAX_CUSTOMERS
    failed = 0
    for sender, targets in plan.items():
        # WeCom would skip who is at the cap anyway
        targets = [t for t in targets if got[t] < limit and t not in done]
        for chunk in _chunks(targets, size):
            await mass_send_resume.renew(send_id, holder)  # still ours, right before asking
            ok = await _one_task(client, send, corp.id, sender, chunk, mats, opts)
            made, failed = made + ok, failed + (not ok)
    if not resumed:
        await materials.count_use(send.material_ids)
    made = await MassSendTask.filter(send_id=send_id).exclude(msgid="").count()
    planned = await MassSendRecipient.filter(send_id=send_id).count()
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
    # The task and its recipients are written before WeCom is asked: if the worker dies
    # during the call, the resume finds them and asks WeCom whether the task was made.
    task = await MassSendTask.create(
        corp_id=corp_id, send_id=send.id, sender=sender, recipients=len(chunk)
    )
    rows = [
        MassSendRecipient(corp_id=corp_id, task_id=task.id, send_id=send.id, target_id=t)
        for t in chunk
    ]
    for i in range(0, len(rows), ROW_BATCH):
        await MassSendRecipient.bulk_create(rows[i : i + ROW_BATCH])
    return await mass_send_resume.create(
        client, send, task, chunk, lambda s: _content(send, mats, s, opts)
    )


def _content(
    send: MassSend, mats: list[Material], sender: str, opts: RunOptions
) -> tuple[str, list[dict[str, Any]]]:
    # A 群发 task carries one message for all its customers, so a tracked link names the
    # member and the send; the opener is identified when the link is opened.
    claim_ = radar.Claim(corp_pk(send), 0, sender, "", f"mass:{send.id}")
    return materials.compose(send.text, mats, base_url=opts.base_url, claim=claim_)
