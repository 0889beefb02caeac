"""A journey batch in flight: the claimed customers, and what their walk writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from scrm.infra import clock
from scrm.models import Corp, Journey
from scrm.services.bulk import Table
from scrm.services.journey_enroll import send_due
from scrm.sop import variables
from wecom.client import WeComClient

JOURNEY_LOG = Table(
    "journey_log",
    ("corp_id", "run_id", "external_userid", "node_id", "action", "at", "data", "created_at",
     "updated_at"),
)  # fmt: skip
RETRY = timedelta(minutes=5)  # after a WeCom error the customer tries the node again


class Fenced(RuntimeError):
    """This worker's heartbeat is too old to make an effect safely (decision 0037)."""


@dataclass
class Claimed:
    """A claimed customer as the claim's RETURNING gives it (no ORM object per customer)."""

    id: int
    journey_id: int
    external_userid: str
    owner_userid: str
    node_id: str
    due_at: datetime
    # Set when the scanner screened the run ahead of its due time (journey_scanner): whether
    # it must exit ("" if not) and when that was decided, so the walk re-checks only customers
    # whose relation changed since.
    verdict: str = ""
    screened_at: datetime | None = None
    sent: tuple[int, int, int] | None = None  # sends in the last day, week, month, if screened

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

    kinds: dict[str, str] = field(default_factory=dict)  # node id → kind
    base_url: str = ""  # where 雷达 links of sent materials are served
    # Whether this worker may still make effects (journey_lanes.Node.fresh); None: always.
    fence: Callable[[], bool] | None = None

    def __post_init__(self) -> None:
        self.kinds = {n["id"]: n["kind"] for n in self.journey.nodes}

    @property
    def stamp(self) -> datetime:
        """When a row is written (the wall clock: lateness is measured against it)."""
        return datetime.now(UTC)

    def log(self, run: Claimed, action: str, stamp: datetime | None = None, **data: Any) -> None:
        """A log row; `stamp` (its created_at) is when it happened, the wall clock if not given."""
        at, stamp = self.now.astimezone(UTC), stamp or self.stamp
        self.logs.append(
            (self.corp.id, run.id, run.external_userid, run.node_id, action, at,
             json.dumps(data, ensure_ascii=False), stamp, stamp)
        )  # fmt: skip

    def move(self, run: Claimed, to: str | None, due: datetime, outcome: str = "") -> None:
        """Record where the run goes; `to=None` ends the journey (done). Arriving at a send,
        the customer waits for the end of the send window (see `send_due`)."""
        status = "active" if to else "done"
        if to and to != run.node_id and self.kinds.get(to) == "send":
            due = send_due(due, self.journey.send_window_minutes)
        self.moves[run.id] = (to or run.node_id, due, status)
        key = outcome or status
        self.outcomes[key] = self.outcomes.get(key, 0) + 1

    async def text(self, text: str, owner: str, runs: list[Claimed]) -> str:
        """The node's text with its variables filled ({客户昵称} only for one customer)."""
        if "{" not in text:
            return text
        values = variables.date_values(self.now, clock.zone(self.corp.timezone))
        values["员工姓名"] = await variables.staff_name(self.corp.id, owner)
        if len(runs) == 1:
            ext = runs[0].external_userid
            values["客户昵称"] = await variables.customer_name(self.corp.id, ext, self.client)
        return variables.render(text, values)

    def check_fence(self) -> None:
        """Before an effect: a worker others may have called dead (its heartbeat stalled) makes
        none, since its runs may be another's by now."""
        if self.fence is not None and not self.fence():
            raise Fenced("heartbeat too old: this worker may be taken for dead")

    def stay(self, run: Claimed, due: datetime, outcome: str) -> None:
        self.move(run, run.node_id, due, outcome)

    def exit(self, run: Claimed, reason: str) -> None:
        self.log(run, "exit", reason=reason)
        self.moves[run.id] = (run.node_id, run.due_at, "exited")
        self.outcomes["exited"] = self.outcomes.get("exited", 0) + 1
