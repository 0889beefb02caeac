"""Who a 群发 reaches: the target resolved per sending member, and WeCom's monthly receive
cap (each customer or group gets at most as many 群发 a month as the month has days)."""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from pydantic import Field, model_validator

from scrm.enums import GroupStatus
from scrm.infra import clock
from scrm.infra.schemas import Strict
from scrm.models import GroupChat, MassSendRecipient, Segment
from scrm.services import segments
from scrm.services.segment_rules import Conditions

MAX_CUSTOMERS, MAX_CHATS = 10_000, 2_000  # per add_msg_template call


class GroupTarget(Strict):
    """客户群群发: groups by owner, group tag or name (all given conditions hold)."""

    owners: list[str] = Field(default_factory=list, max_length=500)
    tags: list[str] = Field(default_factory=list, max_length=50)
    name: str = Field(default="", max_length=64, description="part of the group's name")

    @model_validator(mode="after")
    def _short(self) -> GroupTarget:
        if any(not 0 < len(v) <= 64 for v in (*self.owners, *self.tags)):
            raise ValueError("owners and tags are 1 to 64 characters")
        return self


class Target(Strict):
    """A segment, or an inline filter (a tag filter is `conditions.tags`), or groups."""

    segment_id: int | None = Field(default=None, ge=1, le=2**62)
    conditions: Conditions | None = None
    groups: GroupTarget | None = None

    @model_validator(mode="after")
    def _one(self) -> Target:
        given = [x for x in (self.segment_id, self.conditions, self.groups) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of segment_id, conditions, groups")
        return self


class TargetError(ValueError):
    pass


def month_start(now: datetime, tz: str) -> tuple[datetime, int]:
    local = now.astimezone(clock.zone(tz))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC), calendar.monthrange(local.year, local.month)[1]


async def resolve(
    corp_id: int, chat_type: str, target: Target, owners: list[str] | None, tz: str
) -> dict[str, list[str]]:
    """sender userid → the external_userids (or chat ids) that member sends to."""
    if chat_type == "group":
        if target.groups is None:
            raise TargetError("客户群群发需要按群主、群标签或群名选择客户群")
        return await _groups(corp_id, target.groups, owners)
    if target.groups is not None:
        raise TargetError("客户群发需要选择客户分群或标签")
    cond = target.conditions
    if target.segment_id is not None:
        seg = await Segment.get_or_none(id=target.segment_id, corp_id=corp_id)
        if seg is None:
            raise TargetError("客户分群不存在")
        cond = Conditions.model_validate(seg.conditions)
    assert cond is not None
    match = await segments.evaluate(corp_id, cond, owners, tz=tz)
    return match.by_sender()


async def _groups(
    corp_id: int, spec: GroupTarget, owners: list[str] | None
) -> dict[str, list[str]]:
    q = GroupChat.filter(corp_id=corp_id, status=GroupStatus.ACTIVE).exclude(owner_userid="")
    if owners is not None:
        q = q.filter(owner_userid__in=owners)
    if spec.owners:
        q = q.filter(owner_userid__in=spec.owners)
    if spec.name:
        q = q.filter(name__icontains=spec.name)
    out: dict[str, list[str]] = {}
    for chat_id, owner, tags in await q.order_by("chat_id").values_list(
        "chat_id", "owner_userid", "tags"
    ):
        if spec.tags and not set(spec.tags) & set(tags or []):
            continue
        out.setdefault(str(owner), []).append(str(chat_id))
    return out


async def received_this_month(corp_id: int, now: datetime, tz: str) -> Counter[str]:
    """How many of our 群发 each customer or group received this month (WeCom's counter is
    the authority; ours is what we can see)."""
    start, _ = month_start(now, tz)
    rows = await MassSendRecipient.filter(
        corp_id=corp_id, status=1, sent_at__gte=start
    ).values_list("target_id")
    return Counter(str(t) for (t,) in rows)


def cap_for(now: datetime, tz: str, configured: int = 0) -> int:
    return configured or month_start(now, tz)[1]


async def reach(
    corp_id: int,
    chat_type: str,
    target: Target,
    owners: list[str] | None,
    *,
    tz: str,
    cap: int = 0,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    plan = await resolve(corp_id, chat_type, target, owners, tz)
    got = await received_this_month(corp_id, now, tz)
    limit = cap_for(now, tz, cap)
    capped = {t for ts in plan.values() for t in ts if got[t] >= limit}
    total = sum(len(ts) for ts in plan.values())
    per_call = MAX_CHATS if chat_type == "group" else MAX_CUSTOMERS
    return {
        "total": total,
        "capped": len(capped),
        "reached": total - len(capped),
        "monthly_cap": limit,
        "senders": [
            {"userid": u, "count": len(ts), "capped": len(set(ts) & capped)}
            for u, ts in plan.items()
        ],
        "tasks": sum(-(-len(ts) // per_call) for ts in plan.values()),
    }
