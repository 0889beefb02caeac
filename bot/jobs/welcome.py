"""The welcome job: an add's welcome on its own queue, ahead of every other kind of work.

The edge enqueues it instead of the add's inbox job (docs/decisions/0024). It reads the stored
event, sends the welcome through `welcome_once`, then enqueues the inbox job, which does the
rest (statistics, quota, tags, remark, mirror, lead, journeys) and finds the outcome recorded.
It never marks the inbox row: the row's outcome stays the inbox job's, so retries, the sweeper
(which re-offers a row whose jobs were lost) and operator replays work as for any other event.
"""

from __future__ import annotations

from typing import Any

from bot import inbox
from bot.jobs.inbox import load_corp
from livecode import service
from livecode.welcome_add import welcome_add
from scrm.enums import InboxStatus
from scrm.infra.logging import get_logger
from scrm.models import Inbox
from wecom.events import AddExternalContact

log = get_logger("bot.jobs.welcome")


async def welcome_first(ctx: dict[str, Any], inbox_id: int) -> str:
    row = await Inbox.get_or_none(id=inbox_id)
    if row is None or row.status in (InboxStatus.HANDLED, InboxStatus.DEAD):
        return "done"  # the inbox job got there first, or the row is gone
    try:
        return await _welcome(ctx, row)
    finally:
        # Whatever happened, the rest of the add follows: on Redis errors the sweeper does it.
        ref = (row.id, row.key, row.attempts, row.replays)
        await inbox.enqueue(ctx["redis"], [ref])


async def _welcome(ctx: dict[str, Any], row: Inbox) -> str:
    inbox_id = row.id
    corp = await load_corp(row.corp_id)
    if corp is None:
        return "no corp"
    event = inbox.stored_event(row)
    if not isinstance(event, AddExternalContact) or not event.state or not event.welcome_code:
        return "no welcome"
    code = await service.find_by_state(corp, event.state)
    if code is None:
        return "not ours"  # another app's state: the contacts handler mirrors it, no welcome
    done = await welcome_add(
        event,
        corp,
        code,
        ctx["clients"].for_corp(corp),
        ctx["redis"],
        row.arrived_at,
        base_url=getattr(ctx.get("settings"), "public_url", ""),
    )
    log.info(
        "welcome.first",
        inbox_id=inbox_id,
        welcome=done.outcome.outcome,
        welcome_ms=round(done.outcome.seconds * 1000),
    )
    return done.outcome.outcome
