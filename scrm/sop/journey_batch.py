"""One step of a journey for a batch of claimed customers: grouped by node, written in bulk."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scrm.models import Journey, Task
from scrm.services.bulk import insert_all, update_ids
from scrm.sop import journey_facts as facts
from scrm.sop import journey_sends
from scrm.sop.journey_nodes import post_webhook
from scrm.sop.journey_state import JOURNEY_LOG, RETRY, Batch, Claimed
from wecom import errors
from wecom.client.models.tags import MarkTag

__all__ = ["Batch", "Claimed", "rescreen", "screen", "walk"]


async def walk(batch: Batch, runs: list[Claimed]) -> dict[str, int]:
    """Execute each run's current node, and go on in memory through nodes that are due at
    once (send → wait, branch → send): only where a run comes to rest is written."""
    journey, nodes = batch.journey, {n["id"]: n for n in batch.journey.nodes}
    await rescreen(batch.corp.id, journey, runs)
    pending: list[Claimed] = []
    for run in runs:
        if journey.status != "active":  # paused after the claim: wait where they are
            batch.stay(run, run.due_at, "held")
        elif run.verdict:  # no longer a friend, or an exit tag (unsubscribed, complained…)
            batch.exit(run, run.verdict)
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


async def screen(
    corp_id: int, journey: Journey, runs: list[Claimed], tz: ZoneInfo | None = None
) -> None:
    """Decide for each run whether it must leave the journey: its customer is no longer the
    owner's friend, or carries one of the journey's exit tags. Given the corp's time zone
    (ahead of time), also count the sends of customers waiting at a send node."""
    at = datetime.now(UTC)  # before the reads: a change made during them is seen again later
    friends = await facts.friends(corp_id, runs)
    leaving = await facts.tagged(corp_id, runs, set(journey.exit_tags or []))
    for run in runs:
        if (run.external_userid, run.owner_userid) not in friends:
            run.verdict = "no longer a friend"
        else:
            run.verdict = "exit tag" if run.id in leaving else ""
        run.screened_at = at
    sends = {n["id"] for n in journey.nodes if n["kind"] == "send"}
    at_send = [r.external_userid for r in runs if r.node_id in sends and not r.verdict]
    if at_send and tz is not None:
        counts = await facts.sent_counts(corp_id, at_send, at.astimezone(tz))
        for run in runs:
            if run.node_id in sends:
                run.sent = counts.get(run.external_userid, (0, 0, 0))


async def rescreen(corp_id: int, journey: Journey, runs: list[Claimed]) -> None:
    """Screen the runs not screened yet, and those screened ahead of time whose customer's
    relations changed since (a deletion or a new exit tag a second before the send counts)."""
    stale = [r for r in runs if r.screened_at is None]
    early = [r for r in runs if r.screened_at is not None]
    if early:
        since = min(r.screened_at for r in early if r.screened_at is not None)
        changed = await facts.changed_since(corp_id, since)
        stale += [r for r in early if r.external_userid in changed]
    if stale:
        await screen(corp_id, journey, stale)


async def _node(batch: Batch, node: dict[str, Any], runs: list[Claimed]) -> None:
    kind, nxt, now = node["kind"], node.get("next"), batch.now
    batch.check_fence()
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
