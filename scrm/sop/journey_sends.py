"""The journey nodes that message: customer-message tasks and reminders to the owner."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.infra import clock
from scrm.models import JourneyTask
from scrm.services import material_refs, radar
from scrm.sop import journey_facts as facts
from scrm.sop import variables
from scrm.sop.journey_state import RETRY, Batch, Claimed
from wecom import errors
from wecom.client.models.common import Attachment, Text
from wecom.client.models.messages import AppMessage, MsgTemplate

MAX_TARGETS = 10_000  # external_userid per add_msg_template (WeCom's limit)
PARALLEL_TASKS = 16  # owners' tasks go to WeCom side by side (the client rate-limits)


async def send(batch: Batch, node: dict[str, Any], runs: list[Claimed]) -> None:
    """One WeCom customer-message task per owner for every customer within the caps."""
    now, nxt = batch.now, node.get("next")
    local = now.astimezone(clock.zone(batch.corp.timezone))
    if (until := facts.quiet_until(batch.journey, local)) is not None:
        for run in runs:
            batch.log(run, "quiet", until=until.isoformat())
            batch.stay(run, until.astimezone(UTC), "quiet")
        return
    counts = await _counts(batch, runs, local)
    limit = facts.month_limit(local)
    owners: dict[str, list[Claimed]] = defaultdict(list)
    for run in runs:
        day, week, month = counts.get(run.external_userid, (0, 0, 0))
        if day >= batch.journey.per_day_cap or week >= batch.journey.per_week_cap:
            batch.log(run, "capped", day=day, week=week)
            batch.move(run, nxt, now, "capped")
        elif month >= limit:
            batch.log(run, "capped", month=month, wecom_limit=limit)
            batch.move(run, nxt, now, "capped")
        else:
            owners[run.owner_userid].append(run)
    size = 1 if variables.per_target(node["text"]) else MAX_TARGETS  # {客户昵称}: one each
    chunks = [
        (owner, group[start : start + size])
        for owner, group in owners.items()
        for start in range(0, len(group), size)
    ]
    gate = asyncio.Semaphore(PARALLEL_TASKS)

    async def one(owner: str, chunk: list[Claimed]) -> None:
        async with gate:
            await _task(batch, node, owner, chunk)

    await asyncio.gather(*(one(owner, chunk) for owner, chunk in chunks))


# A send is logged a little after WeCom made it (the walk writes its logs at the end), with
# the time it was made: look back this far before a screening for sends it could not see.
LOG_DELAY = timedelta(seconds=30)


async def _counts(
    batch: Batch, runs: list[Claimed], local: datetime
) -> dict[str, tuple[int, int, int]]:
    """Sends per customer (day, week, month) as counted when the scanner screened them ahead
    of time — counted again for anyone sent something since (by this scanner or another),
    and for everyone when a month began meanwhile."""
    counts: dict[str, tuple[int, int, int]] = {}
    ask: list[str] = []
    early = [r.screened_at for r in runs if r.sent is not None and r.screened_at is not None]
    since = await facts.sent_since(batch.corp.id, min(early) - LOG_DELAY) if early else set()
    for run in runs:
        screened = run.screened_at.astimezone(local.tzinfo) if run.screened_at else None
        same_month = screened is not None and (screened.year, screened.month) == (
            local.year,
            local.month,
        )
        if run.sent is not None and same_month and run.external_userid not in since:
            counts[run.external_userid] = run.sent
        else:
            ask.append(run.external_userid)
    if ask:
        counts.update(await facts.sent_counts(batch.corp.id, ask, local))
    return counts


async def _task(batch: Batch, node: dict[str, Any], owner: str, chunk: list[Claimed]) -> None:
    """One customer-message task: made, recorded for tracking, its customers moved on."""
    now, nxt = batch.now, node.get("next")
    text = await batch.text(node["text"], owner, chunk)
    # A task for one customer names them in its 雷达 links; a shared one leaves the opener to
    # be identified when the link is opened (as for 群发).
    one = chunk[0].external_userid if len(chunk) == 1 else ""
    text, attachments = await material_refs.compose(
        batch.corp.id,
        text,
        [],
        node.get("material_ids", []),
        base_url=batch.base_url,
        claim=radar.Claim(batch.corp.id, 0, owner, one, "journey"),
    )
    batch.check_fence()  # the last moment before WeCom makes the task
    try:
        created = await batch.client.add_msg_template(
            MsgTemplate(
                chat_type="single",
                sender=owner,
                external_userid=[r.external_userid for r in chunk],
                text=Text(content=text) if text else None,
                attachments=[Attachment.model_validate(a) for a in attachments],
            )
        )
    except errors.WeComError as exc:  # transient ones were retried by the client
        for run in chunk:
            batch.stay(run, now + RETRY, f"error:{exc.errcode}")
        return
    sent_at = datetime.now(UTC)  # the send happened now: its log says so, not when written
    await JourneyTask.create(
        corp_id=batch.corp.id,
        journey_id=batch.journey.id,
        node_id=node["id"],
        owner_userid=owner,
        msgid=created.msgid,
        customers=len(chunk),
        fired_at=sent_at,
    )
    for run in chunk:
        batch.log(run, "sent", stamp=sent_at, msgid=created.msgid, due=run.due_at.isoformat())
        batch.move(run, nxt, now, "sent")


async def remind(batch: Batch, node: dict[str, Any], runs: list[Claimed]) -> None:
    """One app message per owner naming how many customers it is about ({客户昵称}: one each)."""
    now, nxt = batch.now, node.get("next")
    owners: dict[tuple[str, str], list[Claimed]] = defaultdict(list)
    each = variables.per_target(node["text"])
    for run in runs:
        owners[(run.owner_userid, run.external_userid if each else "")].append(run)
    for (owner, _), group in owners.items():
        if batch.corp.agent_id:
            text = await batch.text(node["text"], owner, group)
            text = text if len(group) == 1 else f"{text}（{len(group)} 位客户）"
            try:
                await batch.client.send_app_message(
                    AppMessage(touser=owner, agentid=batch.corp.agent_id, text=Text(content=text))
                )
            except errors.WeComError as exc:
                for run in group:
                    batch.stay(run, now + RETRY, f"error:{exc.errcode}")
                continue
            for run in group:
                batch.log(run, "reminded")
        for run in group:
            batch.move(run, nxt, now)
