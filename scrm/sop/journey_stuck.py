"""Runs a dead scanner left `running`: handed back, past a node whose effect it had logged."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from scrm.models import Journey, JourneyLog, JourneyRun
from scrm.sop.journey_state import send_due

STUCK = timedelta(minutes=5)
# A node's effect outside the run row (a WeCom task, an app message, a tag, a task, a POST),
# logged right after it happened: done again, the customer would get it twice.
EFFECTS = ("sent", "reminded", "tagged", "task", "webhook")
CHUNK = 5000  # run ids per IN (…)


async def release_stuck(now: datetime) -> int:
    """A worker that died mid-walk (SIGKILL, a lost machine) leaves its customers `running`:
    after STUCK they go back to `active`. Those whose current node's effect was logged after
    the claim (the kill came between the send and the walk's final write) move past that node
    instead of doing it again; the rest run their node again (at least once: an effect made
    but not yet logged may repeat, none is lost)."""
    cutoff = now - STUCK
    stuck = await JourneyRun.filter(status="running", updated_at__lt=cutoff).values(
        "id", "journey_id", "node_id", "updated_at"
    )
    if not stuck:
        return 0
    by_id = {int(r["id"]): r for r in stuck}
    effected: set[int] = set()
    ids = sorted(by_id)
    for start in range(0, len(ids), CHUNK):
        logs = await JourneyLog.filter(
            run_id__in=ids[start : start + CHUNK], action__in=EFFECTS
        ).values_list("run_id", "node_id", "created_at")
        for run_id, node_id, at in logs:
            run = by_id[int(run_id)]
            if node_id == run["node_id"] and at >= run["updated_at"]:  # since this claim
                effected.add(int(run_id))
    done: dict[int, list[dict[str, Any]]] = defaultdict(list)  # journey → its runs
    for run_id in effected:
        done[int(by_id[run_id]["journey_id"])].append(by_id[run_id])
    moved = 0
    for journey_id, runs in done.items():
        moved += await _move_on(journey_id, runs, cutoff, now)
    # Guarded like the moves: two scanners releasing at once hand each run back once.
    return moved + await JourneyRun.filter(status="running", updated_at__lt=cutoff).update(
        status="active"
    )


async def _move_on(
    journey_id: int, runs: list[dict[str, Any]], cutoff: datetime, now: datetime
) -> int:
    """Where the walk would have written them: the node's next (a send's window end), or
    done at the journey's end."""
    journey = await Journey.get_or_none(id=journey_id)
    if journey is None:
        return 0
    nodes = {n["id"]: n for n in journey.nodes}
    by_target: dict[tuple[str, str], list[int]] = defaultdict(list)
    for run in runs:
        nxt = (nodes.get(run["node_id"]) or {}).get("next")
        by_target[(nxt or run["node_id"], "active" if nxt else "done")].append(int(run["id"]))
    moved = 0
    for (node_id, status), ids in by_target.items():
        due = now
        if status == "active" and nodes.get(node_id, {}).get("kind") == "send":
            due = send_due(now, journey.send_window_minutes)
        moved += await JourneyRun.filter(
            id__in=ids, status="running", updated_at__lt=cutoff
        ).update(node_id=node_id, status=status, due_at=due, updated_at=now)
    return moved
