"""One step of a journey for a batch of claimed customers: grouped by node, written in bulk."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.models import Task
from scrm.services.bulk import insert_all, update_ids
from scrm.sop import journey_facts as facts
from scrm.sop import journey_sends
from scrm.sop.journey_nodes import post_webhook
from scrm.sop.journey_state import JOURNEY_LOG, RETRY, Batch, Claimed
from wecom import errors
from wecom.client.models.tags import MarkTag

__all__ = ["Batch", "Claimed", "walk"]


async def walk(batch: Batch, runs: list[Claimed]) -> dict[str, int]:
    """Execute each run's current node, and go on in memory through nodes that are due at
    once (send → wait, branch → send): only where a run comes to rest is written."""
    journey, nodes = batch.journey, {n["id"]: n for n in batch.journey.nodes}
    friends = await facts.friends(batch.corp.id, runs)
    leaving = await facts.tagged(batch.corp.id, runs, set(journey.exit_tags or []))
    pending: list[Claimed] = []
    for run in runs:
        if journey.status != "active":  # paused after the claim: wait where they are
            batch.stay(run, run.due_at, "held")
        elif (run.external_userid, run.owner_userid) not in friends:
            batch.exit(run, "no longer a friend")
        elif run.id in leaving:  # unsubscribed, complained…: tagged so by staff or a rule
            batch.exit(run, "exit tag")
        elif run.node_id not in nodes:  # the journey was edited and this node removed
            batch.exit(run, "node removed by an edit")
        else:
            pending.append(run)
    for _ in range(len(nodes)):  # no loops (checked on save): a walk ends within len(nodes)
        by_node: dict[str, list[Claimed]] = defaultdict(list)
        for run in pending:
            by_node[run.node_id].append(run)
        for node_id, group in by_node.items():
            await _node(batch, nodes[node_id], group)
            await _flush_logs(batch)  # the next node's caps must see these sends
        walked, pending = pending, []
        for run in walked:
            node_id, due, status = batch.moves[run.id]
            if status == "active" and due <= batch.now and node_id != run.node_id:
                run.node_id, run.due_at = node_id, due
                pending.append(run)
        if not pending:
            break
    await _apply_moves(batch)
    return batch.outcomes


async def _node(batch: Batch, node: dict[str, Any], runs: list[Claimed]) -> None:
    kind, nxt, now = node["kind"], node.get("next"), batch.now
    if kind == "wait":
        for run in runs:
            batch.move(run, nxt, now + timedelta(minutes=node["minutes"]))
    elif kind == "exit":
        for run in runs:
            batch.log(run, "exit", reason="journey end")
            batch.move(run, None, now)
    elif kind == "send":
        await journey_sends.send(batch, node, runs)
    elif kind == "remind":
        await journey_sends.remind(batch, node, runs)
    elif kind == "tag":
        for run in runs:
            try:
                await batch.client.mark_tag(
                    MarkTag(
                        userid=run.owner_userid,
                        external_userid=run.external_userid,
                        add_tag=node.get("add_tags", []),
                        remove_tag=node.get("remove_tags", []),
                    )
                )
            except errors.WeComError as exc:
                batch.stay(run, now + RETRY, f"error:{exc.errcode}")
                continue
            batch.log(run, "tagged")
            batch.move(run, nxt, now)
    elif kind == "branch":
        hits = await facts.branch_hits(batch.corp.id, node, runs)
        for run in runs:
            hit = run.id in hits
            batch.log(run, "branch", hit=hit)
            batch.move(run, nxt if hit else node.get("otherwise"), now)
    elif kind == "task":
        await Task.bulk_create(
            [
                Task(
                    corp_id=batch.corp.id,
                    title=node["title"],
                    assignee=run.owner_userid,
                    external_userid=run.external_userid,
                    due_at=now + timedelta(days=1),
                )
                for run in runs
            ],
            batch_size=500,
        )
        for run in runs:
            batch.log(run, "task")
            batch.move(run, nxt, now)
    elif kind == "webhook":
        gate = asyncio.Semaphore(20)

        async def one(run: Claimed) -> None:
            async with gate:
                status = await post_webhook(batch.http, node, batch.journey, run, now)
            batch.log(run, "webhook", status=status)
            batch.move(run, nxt, now)

        await asyncio.gather(*(one(run) for run in runs))


async def _flush_logs(batch: Batch) -> None:
    """Raw multi-row inserts: building a model object per log row cost more than the SQL."""
    if batch.logs:
        await insert_all(JOURNEY_LOG, batch.logs)
        batch.logs.clear()


async def _apply_moves(batch: Batch) -> None:
    await _flush_logs(batch)
    now = batch.now.astimezone(UTC)
    by_state: dict[tuple[str, datetime, str], list[int]] = defaultdict(list)
    for run_id, state in batch.moves.items():
        by_state[state].append(run_id)
    for (node_id, due, status), ids in by_state.items():
        values = {"node_id": node_id, "due_at": due.astimezone(UTC), "status": status}
        await update_ids("journey_run", ids, {**values, "updated_at": now})
    batch.moves.clear()
