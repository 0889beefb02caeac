"""A customer journey as an admin writes it: a trigger and a graph of nodes, checked."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from scrm.infra.schedule import parse_hhmm
from scrm.infra.schemas import Strict
from scrm.sop import variables


class Trigger(Strict):
    """livecode_add: a customer added through one of `code_ids` (any code when empty);
    grade_reached: the customer's lead reaches one of `grades`; tag_added: one of `tag_ids` is
    put on the customer by this service; stage_changed: their opportunity enters `stages`;
    attribute: the customer's lead has `field` (a lead column such as city or channel, or a
    form attribute) equal to one of `values` (any non-empty value when `values` is empty)."""

    kind: Literal[
        "livecode_add",
        "grade_reached",
        "tag_added",
        "stage_changed",
        "date",
        "attribute",
        "segment",
    ]
    code_ids: list[int] = []
    grades: list[Literal["S", "A", "B", "C", "D"]] = []
    tag_ids: list[str] = []
    stages: list[str] = []
    # date: each day, customers whose lead attribute `date_field` (YYYY-MM-DD or MM-DD, e.g.
    # birthday) or whose contract anniversary ("contract_renewal") is `days_before` days away.
    date_field: str = ""
    days_before: int = Field(default=0, ge=0, le=365)
    field: str = Field(default="", max_length=64)
    values: list[str] = []
    # segment: customers who enter this saved 客户分群 (swept hourly with the date triggers).
    segment_id: int | None = Field(default=None, ge=1, le=2**62)
    # Enter again after finishing (each new trigger event). Date triggers always re-enter
    # once per year (next year's birthday), attribute triggers never (they stay true).
    reentry: bool = False

    @model_validator(mode="after")
    def _check(self) -> Trigger:
        needs = {
            "grade_reached": self.grades,
            "tag_added": self.tag_ids,
            "stage_changed": self.stages,
        }
        if self.kind == "attribute" and not self.field:
            raise ValueError("an attribute trigger needs field (e.g. city, industry)")
        if self.kind == "attribute" and self.reentry:
            raise ValueError("an attribute trigger cannot re-enter: the attribute stays true")
        if self.kind == "segment" and (self.segment_id is None or self.reentry):
            raise ValueError("a segment trigger needs segment_id and cannot re-enter")
        if self.kind == "date" and not self.date_field:
            raise ValueError("a date trigger needs date_field (e.g. birthday, contract_renewal)")
        if self.kind in needs and not needs[self.kind]:
            field = {"grade_reached": "grades", "tag_added": "tag_ids", "stage_changed": "stages"}[
                self.kind
            ]
            raise ValueError(f"a {self.kind} trigger needs {field}")
        return self


class Node(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,16}$")
    kind: Literal["wait", "send", "remind", "tag", "branch", "task", "webhook", "exit"]
    next: str | None = None
    otherwise: str | None = Field(default=None, description="branch: where a miss goes")
    minutes: int = Field(default=0, ge=0, le=60 * 24 * 365)
    text: str = Field(default="", max_length=4000)
    material_ids: list[int] = Field(
        default=[], max_length=9, description="send: 素材库 items, read when sent"
    )
    add_tags: list[str] = []
    remove_tags: list[str] = []
    if_tag: str = ""
    if_grades: list[str] = []
    if_activity: str = Field(default="", max_length=32, description="branch: a lead behaviour")
    within_days: int = Field(default=7, ge=1, le=365, description="branch: how recent")
    title: str = Field(default="", max_length=128)
    url: str = Field(default="", pattern=r"^(https?://.+)?$", description="webhook: POST here")
    secret: str = Field(default="", description="webhook: X-Signature = HMAC-SHA256(secret, body)")

    @model_validator(mode="after")
    def _check(self) -> Node:
        need = {
            "wait": self.minutes > 0,
            "send": bool(self.text or self.material_ids),
            "remind": bool(self.text),
            "tag": bool(self.add_tags or self.remove_tags),
            "branch": bool(self.if_tag or self.if_grades or self.if_activity),
            "task": bool(self.title),
            "webhook": bool(self.url),
            "exit": True,
        }
        if self.kind in ("send", "remind"):
            try:
                variables.check(self.text, variables.JOURNEY_VARS)
            except ValueError as exc:
                raise ValueError(f"node {self.id}: {exc}") from None
        if not need[self.kind]:
            what = {
                "wait": "minutes",
                "send": "text or material_ids",
                "remind": "text",
                "tag": "add/remove tags",
                "branch": "if_tag, if_grades or if_activity",
                "task": "title",
                "webhook": "url",
            }[self.kind]
            raise ValueError(f"node {self.id}: a {self.kind} node needs {what}")
        return self


class JourneySpec(Strict):
    name: str = Field(min_length=1, max_length=64)
    trigger: Trigger
    nodes: list[Node] = Field(min_length=1, max_length=100)
    per_day_cap: int = Field(default=1, ge=0)
    per_week_cap: int = Field(default=3, ge=0)
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    exit_tags: list[str] = Field(default=[], max_length=50)
    send_window_minutes: int = Field(default=1, ge=1, le=1440)

    @model_validator(mode="after")
    def _check(self) -> JourneySpec:
        parse_hhmm(self.quiet_start)
        parse_hhmm(self.quiet_end)
        ids = [n.id for n in self.nodes]
        if len(set(ids)) != len(ids):
            raise ValueError("node ids must be unique")
        known = set(ids)
        for n in self.nodes:
            for ref in (n.next, n.otherwise):
                if ref is not None and ref not in known:
                    raise ValueError(f"node {n.id} points at unknown node {ref!r}")
        edges = {n.id: [r for r in (n.next, n.otherwise) if r] for n in self.nodes}
        cycle = _find_cycle(edges)
        if cycle:
            raise ValueError(f"the nodes loop: {' → '.join(cycle)}")
        if self.per_week_cap < self.per_day_cap:
            raise ValueError("per_week_cap must be at least per_day_cap")
        return self


def _find_cycle(edges: dict[str, list[str]]) -> list[str]:
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in edges:
        if node not in state and (found := visit(node)):
            return found
    return []
