"""Runs a dead scanner left `running`: handed back, past a node whose effect it had made."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from tortoise.expressions import Q

from scrm.infra.logging import get_logger
from scrm.models import Journey, JourneyLog, JourneyRun
from scrm.services.bulk import insert_all
from scrm.sop.execute import ClientFor
from scrm.sop.journey_reconcile import sent_by_wecom
from scrm.sop.journey_state import JOURNEY_LOG, send_due
from wecom import errors

log = get_logger("scrm.sop.journey_stuck")
STUCK = timedelta(minutes=5)
# A node's effect outside the run row (a WeCom task, an app message, a tag, a task, a POST),
# logged right after it happened: done again, the customer would get it twice.
EFFECTS = ("sent", "reminded", "tagged", "task", "webhook")
CHUNK = 5000  # run ids per IN (…)


async def claimers() -> set[str]:
    """The workers holding `running` runs (the partial index on running rows serves it)."""
    rows = JourneyRun.filter(status="running").exclude(claimed_by="").distinct()
    return {str(w) for w in await rows.values_list("claimed_by", flat=True)}


async def release_stuck(
    now: datetime, dead: Collection[str] = (), client_for: ClientFor | None = None
) -> int:
    """A worker that died mid-walk (SIGKILL, a lost machine) leaves its customers `running`.
    They go back to `active` after STUCK — or at once when their claiming worker is known
    dead (`dead`, decision 0037). Those whose current node's effect was logged after the
    claim (the kill came between the effect and the walk's final write) move past that node
    instead of doing it again. With `client_for`, so do those at a send whose WeCom task
    WeCom already holds although it was never logged (journey_reconcile); if WeCom cannot
    say, a dead worker's runs at a send wait for the next try. The rest run their node again."""
    cutoff = now - STUCK
    which = Q(updated_at__lt=cutoff)
    if dead:
        which |= Q(claimed_by__in=sorted(dead))
    stuck = await JourneyRun.filter(which, status="running").values(
        "id", "corp_id", "journey_id", "node_id", "updated_at", "owner_userid", "external_userid"
    )
    if not stuck:
        return 0
    by_id = {int(r["id"]): r for r in stuck}
    effected = await _logged(by_id)
    journeys = {j.id: j for j in await Journey.filter(id__in={r["journey_id"] for r in stuck})}
    texts = {
        jid: {n["id"]: str(n.get("text", "")) for n in j.nodes if n["kind"] == "send"}
        for jid, j in journeys.items()
    }
    at_send = [
        r for i, r in by_id.items()
        if i not in effected and r["node_id"] in texts.get(int(r["journey_id"]), {})
    ]  # fmt: skip
    keep: set[int] = set()
    if at_send and client_for is not None:
        try:
            found = await sent_by_wecom(client_for, at_send, texts, now)
        except (errors.WeComError, RedisError, OSError, TimeoutError) as exc:
            # Unknown (WeCom, or the client's rate limiter in Redis, unreachable): try again
            # at the next scan, or send again after STUCK.
            log.warning("journey.reconcile_failed", runs=len(at_send), error=str(exc))
            found = {}
            keep = {int(r["id"]) for r in at_send if r["updated_at"] >= cutoff}
        if found:
            await _log_found(found, by_id, now)
            effected |= set(found)
            log.warning("journey.unlogged_sends_found", runs=len(found))
    done: dict[int, list[dict[str, Any]]] = defaultdict(list)  # journey → its runs
    for run_id in effected:
        done[int(by_id[run_id]["journey_id"])].append(by_id[run_id])
    moved = 0
    for journey_id, runs in done.items():
        moved += await _move_on(journeys.get(journey_id), runs, which, now)
    back = [i for i in by_id if i not in effected and i not in keep]
    # Guarded like the moves: two scanners releasing at once hand each run back once.
    for start in range(0, len(back), CHUNK):
        moved += await JourneyRun.filter(
            which, id__in=back[start : start + CHUNK], status="running"
        ).update(status="active", claimed_by="")
    return moved


async def _logged(by_id: dict[int, dict[str, Any]]) -> set[int]:
    """Runs whose current node's effect was logged since their claim."""
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
    return effected


async def _log_found(
    found: dict[int, str], by_id: dict[int, dict[str, Any]], now: datetime
) -> None:
    """The sends WeCom holds, logged as the walk would have (their caps count them)."""
    rows = []
    for run_id, msgid in found.items():
        run = by_id[run_id]
        data = json.dumps({"msgid": msgid, "due": run["updated_at"].isoformat(),
                           "found": "wecom"})  # fmt: skip
        rows.append((run["corp_id"], run_id, run["external_userid"], run["node_id"], "sent",
                     now, data, now, now))  # fmt: skip
    await insert_all(JOURNEY_LOG, rows)


async def _move_on(
    journey: Journey | None, runs: list[dict[str, Any]], which: Q, now: datetime
) -> int:
    """Where the walk would have written them: the node's next (a send's window end), or
    done at the journey's end."""
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
        moved += await JourneyRun.filter(which, id__in=ids, status="running").update(
            node_id=node_id, status=status, due_at=due, updated_at=now, claimed_by=""
        )
    return moved
