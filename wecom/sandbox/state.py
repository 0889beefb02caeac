"""The sandbox's in-memory world: corps, people, relations, codes, tokens and records."""

from __future__ import annotations

import pickle
import random
import secrets
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from wecom.sandbox.config import SandboxConfig, SandboxCorp, SandboxStaff


def now() -> float:
    return time.time()


def new_id(prefix: str, n: int = 12) -> str:
    return prefix + secrets.token_hex(n)


# Slots and shared empty defaults: a seeded corp holds 200 000 of each (docs/sandbox.md).
@dataclass(slots=True)
class Customer:
    external_userid: str
    name: str
    unionid: str = ""
    type: int = 1  # 1 WeChat user, 2 WeCom user
    gender: int = 0  # 0 unknown, 1 male, 2 female
    avatar: str = ""  # empty: a stable URL derived from the id (people.avatar_url)
    corp_name: str = ""
    position: str = ""


@dataclass(slots=True)
class Relation:
    userid: str
    external_userid: str
    createtime: int
    state: str = ""
    add_way: int = 1
    remark: str = ""
    description: str = ""
    remark_mobiles: Sequence[str] = ()
    tags: set[str] | frozenset[str] = frozenset()  # replaced, never mutated in place
    active: bool = True
    transfers: int = 0


@dataclass(slots=True)
class Member:
    """One member of a customer group; the name is looked up when answered."""

    userid: str
    type: int  # 1 corp member, 2 external contact
    join_time: int
    join_scene: int  # 1 direct invite, 2 invite link, 3 QR code
    invitor: str = ""
    group_nickname: str = ""
    state: str = ""


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
    members: dict[str, Member] = field(default_factory=dict)
    version: int = 1
    dismissed: bool = False
    notice: str = ""
    admins: list[str] = field(default_factory=list)
    status: int = 0  # 0 normal; 1/2/3 resigned owner: awaiting / in / done inheritance


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

    # Indexes over `relations` keys, caught up lazily: relations are only ever added or ended
    # (active=False), never deleted, so the keys only grow (a shrink rebuilds from scratch).
    _by_user: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _by_ext: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _indexed: int = field(default=0, repr=False)

    def relation(self, userid: str, external_userid: str) -> Relation | None:
        rel = self.relations.get((userid, external_userid))
        return rel if rel is not None and rel.active else None

    def _catch_up(self) -> None:
        if len(self.relations) < self._indexed:
            self._by_user, self._by_ext, self._indexed = {}, {}, 0
        if len(self.relations) == self._indexed:
            return
        for userid, ext in islice(self.relations, self._indexed, None):
            self._by_user.setdefault(userid, []).append(ext)
            self._by_ext.setdefault(ext, []).append(userid)
        self._indexed = len(self.relations)

    def customers_of(self, userid: str) -> list[str]:
        """External ids ever related to `userid`, in the order they were added."""
        self._catch_up()
        return self._by_user.get(userid, [])

    def followers_of(self, external_userid: str) -> list[str]:
        """Members ever related to `external_userid`, in the order they were added."""
        self._catch_up()
        return self._by_ext.get(external_userid, [])


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
        self.rng = random.Random(config.seed)  # names of customers nobody named

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
