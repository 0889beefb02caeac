"""The sandbox's in-memory world: corps, people, relations, codes, tokens and records."""

from __future__ import annotations

import pickle
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from wecom.sandbox.config import SandboxConfig, SandboxCorp, SandboxStaff


def now() -> float:
    return time.time()


def new_id(prefix: str, n: int = 12) -> str:
    return prefix + secrets.token_hex(n)


@dataclass
class Customer:
    external_userid: str
    name: str
    unionid: str = ""
    type: int = 1


@dataclass
class Relation:
    userid: str
    external_userid: str
    createtime: int
    state: str = ""
    add_way: int = 1
    remark: str = ""
    description: str = ""
    remark_mobiles: list[str] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    active: bool = True
    transfers: int = 0


@dataclass
class WelcomeCode:
    userid: str
    external_userid: str
    issued: float
    used: bool = False
    delivered: float = 0.0  # when the callback carrying it was first delivered


@dataclass
class Group:
    chat_id: str
    name: str
    owner: str
    create_time: int
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    version: int = 1
    dismissed: bool = False


@dataclass
class CorpState:
    conf: SandboxCorp
    staff: dict[str, SandboxStaff] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    relations: dict[tuple[str, str], Relation] = field(default_factory=dict)
    tag_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)
    contact_ways: dict[str, dict[str, Any]] = field(default_factory=dict)
    join_ways: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    welcome_codes: dict[str, WelcomeCode] = field(default_factory=dict)
    media: dict[str, float] = field(default_factory=dict)
    mass: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: dict[tuple[str, str], int] = field(default_factory=dict)  # (target, "YYYY-MM")
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    transfers: list[dict[str, Any]] = field(default_factory=list)

    def relation(self, userid: str, external_userid: str) -> Relation | None:
        rel = self.relations.get((userid, external_userid))
        return rel if rel is not None and rel.active else None


@dataclass
class Record:
    seq: int
    kind: str
    corp_id: str
    at: float
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "corp_id": self.corp_id,
            "at": self.at,
            "data": self.data,
        }


class World:
    """Everything the sandbox knows; one per app."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.corps: dict[str, CorpState] = {}
        for corp in config.corps:
            self.corps[corp.corp_id] = CorpState(corp, staff={s.userid: s for s in corp.staff})
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (corp_id, expires_at)
        self.tickets: dict[str, float] = {}
        self.records: list[Record] = []
        self.calls: Counter[str] = Counter()
        self.windows: dict[tuple[str, str], tuple[float, int]] = {}
        self.faults: dict[str, list[int]] = {}  # api -> [errcode, remaining]
        self.chat_messages: list[dict[str, Any]] = []
        self.seq = 0

    def record(self, kind: str, corp_id: str, **data: Any) -> Record:
        self.seq += 1
        rec = Record(self.seq, kind, corp_id, now(), data)
        self.records.append(rec)
        if len(self.records) > 200_000:  # a long benchmark must not eat the machine
            del self.records[:100_000]
        return rec

    # What a state file keeps: the world, not the rules (those come from the new config).
    PERSISTED = ("corps", "tokens", "records", "chat_messages", "seq")

    def save(self, path: str) -> None:
        with open(path, "wb") as fh:
            pickle.dump({name: getattr(self, name) for name in self.PERSISTED}, fh)

    def load(self, path: str) -> None:
        with open(path, "rb") as fh:
            saved = pickle.load(fh)  # our own file, written by save(); never user input
        for name in self.PERSISTED:
            setattr(self, name, saved[name])
        for corp in self.config.corps:  # corps added to the config since are added
            self.corps.setdefault(corp.corp_id, CorpState(corp, {s.userid: s for s in corp.staff}))

    def corp(self, corp_id: str | None) -> CorpState | None:
        if corp_id:
            return self.corps.get(corp_id)
        return next(iter(self.corps.values())) if len(self.corps) == 1 else None

    def issue_token(self, corp_id: str) -> str:
        token = secrets.token_urlsafe(48)
        self.tokens[token] = (corp_id, now() + self.config.token_lifetime)
        return token

    def expire_tokens(self) -> int:
        for token, (corp_id, _) in list(self.tokens.items()):
            self.tokens[token] = (corp_id, 0.0)
        return len(self.tokens)

    def over_rate(self, corp_id: str, api: str) -> bool:
        """Fixed windows per corp per API, as WeCom counts them."""
        key, t = (corp_id, api), now()
        start, count = self.windows.get(key, (t, 0))
        if t - start >= self.config.rate_window:
            start, count = t, 0
        self.windows[key] = (start, count + 1)
        return count + 1 > self.config.rate_per_minute
