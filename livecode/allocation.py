"""Who gets the next customer: eligibility, strategy order and atomic quota claims in Redis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from redis.asyncio import Redis
from tortoise.functions import Count

from scrm.enums import InboxStatus
from scrm.infra import clock
from scrm.infra import schedule as sched
from scrm.models import Corp, Inbox
from scrm.models.livecode import LiveCode, LiveCodeAdd, LiveCodeMember
from wecom.events import AddExternalContact, parse_event

STRATEGIES = ("native", "round_robin", "weighted", "least_loaded")

# Walk the candidates in order and take the first whose counter is below its quota; the check
# and the increment are one step, so no burst from any number of processes can overshoot.
_CLAIM = """
for i = 1, #KEYS do
  local quota = tonumber(ARGV[i])
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if quota == 0 or used < quota then
    redis.call('INCR', KEYS[i])
    redis.call('EXPIRE', KEYS[i], 172800)
    return i
  end
end
return 0
"""


@dataclass(frozen=True)
class Choice:
    userid: str
    backup: bool


def quota_key(code_id: int, userid: str, day: str) -> str:
    return f"lc:quota:{code_id}:{day}:{userid}"


def eligible(
    code: LiveCode, members: list[LiveCodeMember], local: datetime
) -> list[LiveCodeMember]:
    """Members who may receive a customer now: online, within schedule, under their cap."""
    if code.status in ("paused", "expired") or not code.active:
        return []
    if not sched.is_open(code.schedule, code.special_dates, local):
        return []
    return [m for m in members if m.online and not (m.total_cap and m.adds_total >= m.total_cap)]


class Allocator:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._claim = redis.register_script(_CLAIM)

    async def order(
        self, code: LiveCode, members: list[LiveCodeMember], day: str
    ) -> list[LiveCodeMember]:
        """Candidates in the order the strategy prefers them."""
        if not members:
            return []
        if code.strategy == "least_loaded":
            keys = [quota_key(code.id, m.userid, day) for m in members]
            used = [int(v or 0) for v in await self.redis.mget(keys)]
            return [m for _, _, m in sorted(zip(used, range(len(members)), members, strict=True))]
        ring = members
        if code.strategy == "weighted":
            ring = [m for m in members for _ in range(max(1, m.weight))]
        # The cursor lives in Redis, so rotation continues across batches and processes.
        start = (await self.redis.incr(f"lc:rr:{code.id}") - 1) % len(ring)
        rotated = ring[start:] + ring[:start]
        unique: dict[str, LiveCodeMember] = {}
        for m in rotated:  # weighted rings repeat members; keep each at its first place
            unique.setdefault(m.userid, m)
        return list(unique.values())

    async def allocate(
        self, code: LiveCode, members: list[LiveCodeMember], local: datetime
    ) -> Choice | None:
        """Claim one member for one customer; backups when the pool is exhausted; else None."""
        day = local.date().isoformat()
        pool = [m for m in members if not m.backup]
        backups = [m for m in members if m.backup and m.online]
        candidates = await self.order(code, eligible(code, pool, local), day)
        if candidates:
            keys = [quota_key(code.id, m.userid, day) for m in candidates]
            await self._seed_lost_counters(code, candidates, keys, day)
            index = int(await self._claim(keys=keys, args=[m.daily_quota for m in candidates]))
            if index:
                return Choice(candidates[index - 1].userid, backup=False)
        if backups and code.status not in ("paused", "expired"):
            start = await self.redis.incr(f"lc:rr:{code.id}:backup") - 1
            return Choice(backups[start % len(backups)].userid, backup=True)
        return None

    async def _seed_lost_counters(
        self, code: LiveCode, members: list[LiveCodeMember], keys: list[str], day: str
    ) -> None:
        """A counter missing while the member has a quota: the day's first customer, or Redis
        lost its data (a restart without persistence). Start it from the adds the database
        recorded today, not from 0, or every member would get a whole second quota."""
        values = await self.redis.mget(keys)
        missing = [
            (key, m.userid)
            for key, m, v in zip(keys, members, values, strict=True)
            if v is None and m.daily_quota
        ]
        if not missing:
            return
        rows = (
            await LiveCodeAdd.filter(
                code_id=code.id, day=date.fromisoformat(day), userid__in=[u for _, u in missing]
            )
            .annotate(n=Count("id"))
            .group_by("userid")
            .values_list("userid", "n")
        )
        added = dict(rows)
        for userid, n in (await _adds_in_flight(code, day, [u for _, u in missing])).items():
            added[userid] = int(added.get(userid, 0)) + n
        async with self.redis.pipeline(transaction=False) as pipe:
            for key, userid in missing:  # NX: a claim another process made meanwhile stands
                pipe.set(key, int(added.get(userid, 0)), nx=True, ex=172800)
            await pipe.execute()

    async def used_today(self, code: LiveCode, userids: list[str], day: str) -> dict[str, int]:
        if not userids:
            return {}
        values = await self.redis.mget([quota_key(code.id, u, day) for u in userids])
        return {u: int(v or 0) for u, v in zip(userids, values, strict=True)}

    async def count_add(self, code: LiveCode, userid: str, day: str) -> int:
        """For native codes WeCom chose the member; count it after the fact."""
        key = quota_key(code.id, userid, day)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 172800)
            used, _ = await pipe.execute()
        return int(used)


async def _adds_in_flight(code: LiveCode, day: str, userids: list[str]) -> dict[str, int]:
    """Adds through this code that reached our edge today but whose inbox job has not yet
    recorded them (the welcome goes first, the add fact follows): counted too, so a counter
    seeded after a Redis loss does not hand those members a second quota. A row counted
    twice (recorded, not yet marked handled) errs towards the quota, never past it."""
    corp = await Corp.get_or_none(id=code.corp_id)  # type: ignore[attr-defined]
    if corp is None:
        return {}
    zone = clock.zone(corp.timezone)
    start = datetime.combine(date.fromisoformat(day), time.min, zone)
    rows = await Inbox.filter(
        corp_id=corp.corp_id,
        kind="change_external_contact.add_external_contact",
        status__in=(InboxStatus.PENDING, InboxStatus.ENQUEUED, InboxStatus.FAILED),
        received_at__gte=start,
        payload__contains=code.state,
    ).values_list("payload", flat=True)
    counts: dict[str, int] = {}
    for payload in rows:
        event = parse_event(str(payload).encode())
        if not isinstance(event, AddExternalContact) or event.state != code.state:
            continue
        if event.user_id in userids:
            counts[event.user_id] = counts.get(event.user_id, 0) + 1
    return counts
