"""One step of a journey for a batch of claimed customers: grouped by node, written in bulk."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from scrm.models import Corp, Journey, Task
from scrm.services.bulk import Table, insert_all, update_ids
from scrm.sop import journey_facts as facts
from scrm.sop.journey_nodes import post_webhook
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.common import Text
from wecom.client.models.messages import AppMessage, MsgTemplate
from wecom.client.models.tags import MarkTag

JOURNEY_LOG = Table(
    "journey_log",
    ("corp_id", "run_id", "external_userid", "node_id", "action", "at", "data", "created_at",
     "updated_at"),
)  # fmt: skip
RETRY = timedelta(minutes=5)  # after a WeCom error the customer tries the node again
MAX_TARGETS = 10_000  # external_userid per add_msg_template (WeCom's limit)


@dataclass
class Claimed:
    """A claimed customer as the claim's RETURNING gives it (no ORM object per customer)."""

    id: int
    journey_id: int
    external_userid: str
    owner_userid: str
    node_id: str
    due_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Claimed:
        due = row["due_at"]
        if isinstance(due, str):  # SQLite hands back the stored text
            due = datetime.fromisoformat(due)
        if due.tzinfo is None:
            due = due.replace(tzinfo=UTC)
        return cls(
            int(row["id"]), int(row["journey_id"]), str(row["external_userid"]),
            str(row["owner_userid"]), str(row["node_id"]), due,
        )  # fmt: skip


@dataclass
class Batch:
    journey: Journey
    corp: Corp
    client: WeComClient
    now: datetime
    http: aiohttp.ClientSession | None
    logs: list[tuple[Any, ...]] = field(default_factory=list)  # JOURNEY_LOG rows
    moves: dict[int, tuple[str, datetime, str]] = field(default_factory=dict)  # run id → state
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def stamp(self) -> datetime:
        """When a row is written (the wall clock: lateness is measured against it)."""
        return datetime.now(UTC)

    def log(self, run: Claimed, action: str, **data: Any) -> None:
        at = self.now.astimezone(UTC)
        self.logs.append(
            (self.corp.id, run.id, run.external_userid, run.node_id, action, at,
             json.dumps(data, ensure_ascii=False), self.stamp, self.stamp)
        )  # fmt: skip

    def move(self, run: Claimed, to: str | None, due: datetime, outcome: str = "") -> None:
        """Record where the run goes; `to=None` ends the journey (done)."""
        status = "active" if to else "done"
        self.moves[run.id] = (to or run.node_id, due, status)
        key = outcome or status
        self.outcomes[key] = self.outcomes.get(key, 0) + 1

    def stay(self, run: Claimed, due: datetime, outcome: str) -> None:
        self.move(run, run.node_id, due, outcome)

    def exit(self, run: Claimed, reason: str) -> None:
        self.log(run, "exit", reason=reason)
        self.moves[run.id] = (run.node_id, run.due_at, "exited")
        self.outcomes["exited"] = self.outcomes.get("exited", 0) + 1


async def walk(batch: Batch, runs: list[Claimed]) -> dict[str, int]:
    """Execute each run's current node, and go on in memory through nodes that are due at
    once (send → wait, branch → send): only where a run comes to rest is written."""
    journey, nodes = batch.journey, {n["id"]: n for n in batch.journey.nodes}
    friends = await facts.friends(batch.corp.id, runs)
    pending: list[Claimed] = []
    for run in runs:
        if journey.status != "active":  # paused after the claim: wait where they are
            batch.stay(run, run.due_at, "held")
        elif (run.external_userid, run.owner_userid) not in friends:
            batch.exit(run, "no longer a friend")
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
        await _send(batch, node, runs)
    elif kind == "remind":
        await _remind(batch, node, runs)
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


async def _send(batch: Batch, node: dict[str, Any], runs: list[Claimed]) -> None:
    """One WeCom customer-message task per owner for every customer within the caps."""
    now, nxt = batch.now, node.get("next")
    local = now.astimezone(ZoneInfo(batch.corp.timezone or "Asia/Shanghai"))
    if (until := facts.quiet_until(batch.journey, local)) is not None:
        for run in runs:
            batch.log(run, "quiet", until=until.isoformat())
            batch.stay(run, until.astimezone(UTC), "quiet")
        return
    counts = await facts.sent_counts(batch.corp.id, [r.external_userid for r in runs], local)
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
    for owner, group in owners.items():
        for start in range(0, len(group), MAX_TARGETS):
            chunk = group[start : start + MAX_TARGETS]
            try:
                created = await batch.client.add_msg_template(
                    MsgTemplate(
                        chat_type="single",
                        sender=owner,
                        external_userid=[r.external_userid for r in chunk],
                        text=Text(content=node["text"]),
                    )
                )
            except errors.WeComError as exc:  # transient ones were retried by the client
                for run in chunk:
                    batch.stay(run, now + RETRY, f"error:{exc.errcode}")
                continue
            for run in chunk:
                batch.log(run, "sent", msgid=created.msgid, due=run.due_at.isoformat())
                batch.move(run, nxt, now, "sent")


async def _remind(batch: Batch, node: dict[str, Any], runs: list[Claimed]) -> None:
    """One app message per owner, naming how many customers it is about."""
    now, nxt = batch.now, node.get("next")
    owners: dict[str, list[Claimed]] = defaultdict(list)
    for run in runs:
        owners[run.owner_userid].append(run)
    for owner, group in owners.items():
        if batch.corp.agent_id:
            text = node["text"] if len(group) == 1 else f"{node['text']}（{len(group)} 位客户）"
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
