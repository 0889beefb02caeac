"""Round robin that continues across requests: where the turn stands is stored per corp and
per saved rule or team, and taken with a conditional update so two admins never both start
from the same member."""

from __future__ import annotations

import hashlib

from tortoise.exceptions import IntegrityError

from scrm.models import TransferRotation

ATTEMPTS = 8


def team_key(members: list[str]) -> str:
    """The same team, in whatever order it was picked, shares one rotation."""
    digest = hashlib.sha256("\n".join(sorted(set(members))).encode()).hexdigest()[:32]
    return f"team:{digest}"


def rule_key(rule_id: int) -> str:
    return f"rule:{rule_id}"


def _after(members: list[str], last: str) -> int:
    return members.index(last) + 1 if last in members else 0


async def take(corp_id: int, key: str, members: list[str], count: int) -> list[str]:
    """The next `count` members in turn, continuing after whoever got the last one."""
    if not members or count <= 0:
        return []
    for _ in range(ATTEMPTS):
        row = await TransferRotation.get_or_none(corp_id=corp_id, key=key)
        if row is None:
            try:
                row = await TransferRotation.create(corp_id=corp_id, key=key)
            except IntegrityError:
                continue  # made by a concurrent request: read it again
        start = _after(members, row.last_userid)
        turn = [members[(start + i) % len(members)] for i in range(count)]
        moved = await TransferRotation.filter(id=row.id, last_userid=row.last_userid).update(
            last_userid=turn[-1]
        )
        if moved:
            return turn
    raise RuntimeError("round robin kept changing under us")
