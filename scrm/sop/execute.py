"""Firing due runs through WeCom exactly once, and reconciling runs a crash left mid-flight."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections

from scrm.models import Corp, SopPlan, SopRun
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.common import Attachment, Text
from wecom.client.models.messages import AppMessage, GroupMsgListRequest, MsgTemplate

ClientFor = Callable[[Corp], WeComClient]
STUCK_AFTER = timedelta(minutes=2)
MAX_CHATS = 2000


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


async def fire(runs: list[dict[str, Any]], client_for: ClientFor, now: datetime) -> int:
    """One WeCom task per (plan, step, owner, due time) covering all that owner's groups."""
    batches: dict[tuple[int, str, str, datetime, int], list[dict[str, Any]]] = defaultdict(list)
    counts: dict[tuple[int, str, str, datetime], int] = defaultdict(int)
    for run in runs:
        key = (run["plan_id"], run["step_id"], run["owner_userid"], run["due_at"])
        # WeCom takes at most 2000 chats per group-message task.
        batches[(*key, counts[key] // MAX_CHATS)].append(run)
        counts[key] += 1
    plans = {p.id: p for p in await SopPlan.filter(id__in={r["plan_id"] for r in runs})}
    corps = {c.id: c for c in await Corp.filter(id__in={r["corp_id"] for r in runs})}
    fired = 0
    for (plan_id, step_id, owner, _, _), batch in batches.items():
        plan = plans[plan_id]
        step = next(s for s in plan.steps if s["id"] == step_id)
        corp = corps[batch[0]["corp_id"]]
        ids = [r["id"] for r in batch]
        try:
            if step.get("action", "message") == "message":
                created = await client_for(corp).add_msg_template(
                    MsgTemplate(
                        chat_type="group",
                        sender=owner,
                        chat_id_list=[r["target_id"] for r in batch],
                        text=Text(content=step["text"]) if step.get("text") else None,
                        attachments=[
                            Attachment.model_validate(a) for a in step.get("attachments", [])
                        ],
                    )
                )
                # fired_at: when WeCom took the task (lateness is measured against this).
                await SopRun.filter(id__in=ids).update(
                    status="fired", msgid=created.msgid, fired_at=datetime.now(UTC)
                )
            else:  # a reminder-only step (群打卡, host a live session): done once delivered
                await client_for(corp).send_app_message(
                    AppMessage(
                        touser=owner, agentid=corp.agent_id, text=Text(content=step["text"])
                    )
                )
                sent = datetime.now(UTC)
                await SopRun.filter(id__in=ids).update(status="sent", sent_at=sent, fired_at=sent)
            fired += len(ids)
        except errors.WeComError as exc:  # transient ones were retried by the client already
            await SopRun.filter(id__in=ids).update(status="failed", error=str(exc)[:2000])
    return fired


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
            run.status = "planned"  # a reminder sent twice is harmless; one never sent is not
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
            match = next(
                (
                    m
                    for m in found.group_msg_list
                    if m.text is not None and m.text.content == step.get("text")
                ),
                None,
            )
            run.status, run.msgid = ("fired", match.msgid) if match else ("planned", "")
        await run.save(update_fields=["status", "msgid", "updated_at"])
        fixed += 1
    return fixed
