"""Statistics of a live code: scans → adds, welcome outcomes and latency, losses, quota use."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, timedelta

from pydantic import BaseModel
from redis.asyncio import Redis

from livecode.allocation import Allocator
from scrm.models.livecode import LiveCode, LiveCodeAdd, LiveCodeMember


class DayStats(BaseModel):
    day: date
    scans: int | None  # landing-page allocations; None for native codes (WeCom scans unseen)
    adds: int
    welcome_sent: int
    welcome_failed: int  # failed or too late for the 20 s window
    welcome_other: int  # console-owned (no code), spent by another app, or no text
    welcome_p50_ms: float | None
    welcome_max_ms: int | None
    losses: int  # customers who deleted the member within `loss_days` of the add


class MemberStats(BaseModel):
    userid: str
    backup: bool
    online: bool
    adds_total: int
    adds_today: int
    daily_quota: int
    quota_used_today: int


class CodeStats(BaseModel):
    code_id: int
    status: str
    days: list[DayStats]
    members: list[MemberStats]


def scans_key(code_id: int, day: str) -> str:
    return f"lc:scans:{code_id}:{day}"


async def code_stats(
    code: LiveCode, redis: Redis, today: date, days: int = 7, loss_days: int = 7
) -> CodeStats:
    since = today - timedelta(days=days - 1)
    adds = await LiveCodeAdd.filter(code_id=code.id, day__gte=since, day__lte=today)
    wanted = [since + timedelta(days=i) for i in range(days)]
    scans: list[int | None] = [None] * days
    if code.strategy != "native":
        raw = await redis.mget([scans_key(code.id, d.isoformat()) for d in wanted])
        scans = [int(v or 0) for v in raw]
    out = []
    for d, day_scans in zip(wanted, scans, strict=True):
        rows = [a for a in adds if a.day == d]
        sent = [a.welcome_ms for a in rows if a.welcome == "sent" and a.welcome_ms is not None]
        lost = [
            a
            for a in rows
            if a.lost_at is not None and a.lost_at - a.added_at <= timedelta(days=loss_days)
        ]
        out.append(
            DayStats(
                day=d,
                scans=day_scans,
                adds=len(rows),
                welcome_sent=len(sent),
                welcome_failed=sum(a.welcome in ("failed", "expired") for a in rows),
                welcome_other=sum(a.welcome in ("none", "spent", "skipped") for a in rows),
                welcome_p50_ms=statistics.median(sent) if sent else None,
                welcome_max_ms=max(sent) if sent else None,
                losses=len(lost),
            )
        )
    members = await LiveCodeMember.filter(code_id=code.id).order_by("id")
    used = await Allocator(redis).used_today(code, [m.userid for m in members], today.isoformat())
    today_rows = [a for a in adds if a.day == today]
    # 累计 counts every add row ever recorded, as 今日 does today's: the member counter alone
    # could lag the rows (a sync or import writes rows only), and 今日 > 累计 reads as a bug.
    owners = await LiveCodeAdd.filter(code_id=code.id).values_list("userid", flat=True)
    recorded = Counter(str(userid) for userid in owners)
    return CodeStats(
        code_id=code.id,
        status=code.status,
        days=out,
        members=[
            MemberStats(
                userid=m.userid,
                backup=m.backup,
                online=m.online,
                adds_total=max(m.adds_total, recorded[m.userid]),
                adds_today=sum(a.userid == m.userid for a in today_rows),
                daily_quota=m.daily_quota,
                quota_used_today=used.get(m.userid, 0),
            )
            for m in members
        ],
    )
