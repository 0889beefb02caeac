"""Firing due runs through WeCom exactly once, and reconciling runs a crash left mid-flight."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections

from scrm.enums import SopRunStatus
from scrm.infra import clock
from scrm.models import Corp, SopPlan, SopRun
from scrm.services import material_refs, radar
from scrm.sop import variables
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.common import Attachment, Text
from wecom.client.models.messages import AppMessage, GroupMsgListRequest, MsgTemplate

ClientFor = Callable[[Corp], WeComClient]
STUCK_AFTER = timedelta(minutes=2)
MAX_CHATS = 2000
# Owners' tasks go to WeCom side by side: one after another, 100 owners took ~1 s.
PARALLEL_TASKS = 8


async def claim_due(now: datetime, limit: int = 500) -> list[dict[str, Any]]:
    """planned → firing for due runs of active plans; two scanners never claim one row."""
    conn = connections.get("default")
    pg = conn.capabilities.dialect == "postgres"
    m = ("$1", "$2", "$3") if pg else ("?", "?", "?")
    lock = " FOR UPDATE OF r SKIP LOCKED" if pg else ""
    sql = (
        f"UPDATE sop_run SET status = 'firing', fired_at = {m[0]} WHERE id IN ("
        "SELECT r.id FROM sop_run r JOIN sop_plan p ON p.id = r.plan_id "
        f"WHERE r.status = 'planned' AND r.due_at <= {m[1]} AND p.status = 'active' "
        f"ORDER BY r.due_at LIMIT {m[2]}{lock}) "
        "RETURNING id, corp_id, plan_id, step_id, target_id, owner_userid, due_at"
    )
    now = now.astimezone(UTC)  # SQLite compares the text: same offset as the stored values
    return list(await conn.execute_query_dict(sql, [now, now, limit]))


async def skip_paused(now: datetime) -> int:
    """Runs that came due while their plan was paused are skipped, not fired late."""
    paused = await SopPlan.filter(status="paused").values_list("id", flat=True)
    if not paused:
        return 0
    return await SopRun.filter(plan_id__in=list(paused), status="planned", due_at__lte=now).update(
        status="skipped"
    )


async def fire(
    runs: list[dict[str, Any]], client_for: ClientFor, now: datetime, base_url: str = ""
) -> int:
    """One WeCom task per (plan, step, owner, due time) covering all that owner's groups;
    `base_url` is where 雷达 links of the steps' materials are served."""
    batches: dict[tuple[int, str, str, datetime, int], list[dict[str, Any]]] = defaultdict(list)
    counts: dict[tuple[int, str, str, datetime], int] = defaultdict(int)
    plans = {p.id: p for p in await SopPlan.filter(id__in={r["plan_id"] for r in runs})}
    corps = {c.id: c for c in await Corp.filter(id__in={r["corp_id"] for r in runs})}
    for run in runs:
        key = (run["plan_id"], run["step_id"], run["owner_userid"], run["due_at"])
        text = _step(plans[run["plan_id"]], run["step_id"]).get("text", "")
        # WeCom takes at most 2000 chats per group-message task; a text naming the group
        # needs a task of its own per group.
        split = MAX_CHATS if not variables.per_target(text) else 1
        batches[(*key, counts[key] // split)].append(run)
        counts[key] += 1
    gate = asyncio.Semaphore(PARALLEL_TASKS)

    async def one(plan_id: int, step_id: str, owner: str, due: datetime, batch: list[Any]) -> int:
        async with gate:
            step = _step(plans[plan_id], step_id)
            corp = corps[batch[0]["corp_id"]]
            return await _fire_one(client_for(corp), corp, step, owner, due, batch, base_url)

    done = await asyncio.gather(
        *(one(plan_id, step_id, owner, due, batch)
          for (plan_id, step_id, owner, due, _), batch in batches.items())
    )  # fmt: skip
    return sum(done)


async def _fire_one(
    client: WeComClient,
    corp: Corp,
    step: dict[str, Any],
    owner: str,
    due: datetime,
    batch: list[dict[str, Any]],
    base_url: str = "",
) -> int:
    """One owner's task (or reminder) for one step; returns the runs it fired."""
    ids = [r["id"] for r in batch]
    text = await step_text(corp, step, owner, due, batch[0]["target_id"])
    try:
        if step.get("action", "message") == "message":
            # A task for one group names it in its 雷达 links; one for many leaves the
            # opener to be identified when the link is opened.
            chat = batch[0]["target_id"] if len(batch) == 1 else ""
            text, attachments = await material_refs.compose(
                corp.id,
                text,
                list(step.get("attachments", [])),
                step.get("material_ids", []),
                base_url=base_url,
                claim=radar.Claim(corp.id, 0, owner, chat, "sop"),
            )
            created = await client.add_msg_template(
                MsgTemplate(
                    chat_type="group",
                    sender=owner,
                    chat_id_list=[r["target_id"] for r in batch],
                    text=Text(content=text) if text else None,
                    attachments=[Attachment.model_validate(a) for a in attachments],
                )
            )
            # fired_at: when WeCom took the task (lateness is measured against this).
            await SopRun.filter(id__in=ids).update(
                status="fired", msgid=created.msgid, fired_at=datetime.now(UTC)
            )
        else:  # a reminder-only step (群打卡, host a live session): done once delivered
            await client.send_app_message(
                AppMessage(touser=owner, agentid=corp.agent_id, text=Text(content=text))
            )
            sent = datetime.now(UTC)
            await SopRun.filter(id__in=ids).update(status="sent", sent_at=sent, fired_at=sent)
    except errors.WeComError as exc:  # transient ones were retried by the client already
        await SopRun.filter(id__in=ids).update(status="failed", error=str(exc)[:2000])
        return 0
    return len(ids)


def _step(plan: SopPlan, step_id: str) -> dict[str, Any]:
    return next(s for s in plan.steps if s["id"] == step_id)


async def step_text(
    corp: Corp, step: dict[str, Any], owner: str, due: datetime | str, chat_id: str
) -> str:
    """The step's text with its variables filled (the same for a firing and a reconcile)."""
    text = str(step.get("text", ""))
    if "{" not in text:
        return text
    if isinstance(due, str):  # SQLite's raw rows carry the stored text
        due = datetime.fromisoformat(due)
    values = variables.date_values(due, clock.zone(corp.timezone))
    values["群主"] = await variables.staff_name(corp.id, owner)
    values["群名"] = await variables.group_name(corp.id, chat_id)
    return variables.render(text, values)


async def reconcile(client_for: ClientFor, now: datetime) -> int:
    """Runs stuck in `firing` (the worker died between WeCom's answer and our write): ask
    WeCom whether the task exists; record it if so, plan it again if not. No double send."""
    stuck = await SopRun.filter(status="firing", fired_at__lt=now - STUCK_AFTER)
    fixed = 0
    for run in stuck:
        plan = await SopPlan.get(id=run.plan_id)  # type: ignore[attr-defined]
        step = next(s for s in plan.steps if s["id"] == run.step_id)
        corp = await Corp.get(id=run.corp_id)  # type: ignore[attr-defined]
        if step.get("action", "message") != "message":
            # A reminder sent twice is harmless; one never sent is not.
            run.status = SopRunStatus.PLANNED
        else:
            fired = run.fired_at or now
            found = await client_for(corp).get_groupmsg_list(
                GroupMsgListRequest(
                    chat_type="group",
                    start_time=int((fired - timedelta(minutes=5)).timestamp()),
                    end_time=int((fired + timedelta(minutes=5)).timestamp()),
                    creator=run.owner_userid,
                )
            )
            text = await step_text(corp, step, run.owner_userid, run.due_at, run.target_id)
            text, _ = await material_refs.compose(
                corp.id, text, [], step.get("material_ids", []), base_url="",
                claim=radar.Claim(corp.id, 0, run.owner_userid, "", "sop"), count=False,
            )  # fmt: skip
            match = next(
                (m for m in found.group_msg_list if (m.text.content if m.text else "") == text),
                None,
            )
            run.status, run.msgid = (
                (SopRunStatus.FIRED, match.msgid) if match else (SopRunStatus.PLANNED, "")
            )
        await run.save(update_fields=["status", "msgid", "updated_at"])
        fixed += 1
    return fixed
