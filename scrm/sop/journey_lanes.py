"""Journey lanes: which scanner may claim which sending members' runs (decision 0034)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time as clock
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.exceptions import RedisError

from scrm.infra.logging import get_logger
from scrm.models.sop import JOURNEY_LANES
from scrm.sop.journey_dead import ALIVE_MS, SINCE_KEY, WORKERS_KEY, dead_claimers

log = get_logger("scrm.sop.journey_lanes")

LEASE_KEY = "scrm:journey:lane:{}"
UNTIL_KEY = "scrm:journey:lane:{}:until"  # a hand-over: the old holder's runs due up to here
LEASE_MS = 15_000  # a dead scanner's lanes are free again this long after its last renewal
RENEW_S = 3.0  # renewed this often while held: five chances before the lease lapses
BEAT_S = 2.0
# A worker whose last heartbeat is older than this makes no more journey effects: by ALIVE_MS
# another may call it dead and hand its runs on (decision 0037).
FENCE_S = ALIVE_MS / 1000 - 3
# After a hand-over the old holder alone claims runs due up to its horizon (they join the send
# windows it holds), until this long past it; the new holder claims them from then on. Hosts'
# clocks must agree within half of it (NTP).
HANDOVER_GRACE = timedelta(seconds=10)

# Take up to ARGV[3] of the given lanes that nobody holds, in the order given (the caller
# shuffles): one round trip, and two workers asking at once cannot both get one lane.
_TAKE = """
local got = {}
for i, key in ipairs(KEYS) do
  if #got >= tonumber(ARGV[3]) then break end
  if redis.call('set', key, ARGV[1], 'NX', 'PX', ARGV[2]) then table.insert(got, i) end
end
return got
"""
# Extend the lanes still ours; answer which they are (a lost one was taken over).
_RENEW = """
local kept = {}
for i, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then
    redis.call('pexpire', key, ARGV[2])
    table.insert(kept, i)
  end
end
return kept
"""
# Free only what is still ours: a lane that lapsed may have a new holder by now. With a
# horizon (ARGV[2], ms), leave it for the next holder (the later of two, ARGV[3] ms to live).
_RELEASE = """
local n = #KEYS / 2
for i = 1, n do
  if redis.call('get', KEYS[i]) == ARGV[1] then
    if ARGV[2] ~= '' and tonumber(ARGV[2]) > tonumber(redis.call('get', KEYS[n + i]) or '0') then
      redis.call('set', KEYS[n + i], ARGV[2], 'PX', ARGV[3])
    end
    redis.call('del', KEYS[i])
  end
end
return 0
"""


def _ms() -> int:
    return int(clock.time() * 1000)


class Node:
    """One worker process: its heartbeat, and the lanes its scanners hold between them."""

    def __init__(self, lanes: int = JOURNEY_LANES) -> None:
        self.id = uuid.uuid4().hex
        self.lanes = lanes
        self.held: set[int] = set()
        self.beaten = -math.inf  # monotonic time of the last heartbeat Redis took
        # Claims of this worker's scanners that failed or were cancelled: theirs to hand back.
        self.abandoned: set[str] = set()
        self._beating: asyncio.Task[None] | None = None

    def start(self, redis: Any) -> None:
        """Beat in the background (a worker's startup)."""
        if self._beating is not None:
            self._beating.cancel()
        self._beating = asyncio.create_task(self.heartbeat(redis))

    async def stop(self) -> None:
        task, self._beating = self._beating, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def beat(self, redis: Any) -> None:
        started, now = clock.monotonic(), _ms()
        async with redis.pipeline(transaction=False) as pipe:
            pipe.zadd(WORKERS_KEY, {self.id: now})
            pipe.zremrangebyscore(WORKERS_KEY, "-inf", now - ALIVE_MS)
            pipe.set(SINCE_KEY, now, nx=True)
            await pipe.execute()
        self.beaten = max(self.beaten, started)

    @property
    def beating(self) -> bool:
        """Whether this worker heartbeats (a burst worker, as in tests, does not)."""
        return self._beating is not None

    def fresh(self) -> bool:
        """Whether this worker may still make journey effects: its heartbeat is recent enough
        that nobody can have called it dead (an event loop stalled for seconds cannot)."""
        return clock.monotonic() - self.beaten < FENCE_S

    async def dead(self, redis: Any, claimers: set[str]) -> set[str]:
        """Of `claimers`, the scanners surely dead (journey_dead.dead_claimers)."""
        return await dead_claimers(redis, self.id, self.abandoned, claimers)

    async def live(self, redis: Any) -> int:
        """Workers heard from lately, this one included."""
        return max(1, int(await redis.zcount(WORKERS_KEY, _ms() - ALIVE_MS, "+inf")))

    async def heartbeat(self, redis: Any) -> None:
        """Beat until cancelled (a worker's life), then leave the count at once."""
        try:
            while True:
                try:
                    await self.beat(redis)
                except RedisError as exc:  # Redis away: the supervisor restarts the worker
                    log.debug("journey.heartbeat_failed", error=str(exc))
                await asyncio.sleep(BEAT_S)
        finally:
            with contextlib.suppress(RedisError, OSError, RuntimeError):
                await redis.zrem(WORKERS_KEY, self.id)

    async def take(self, redis: Any) -> Lease:
        """Lease free lanes, up to this worker's fair share: ceil(lanes / live workers), less
        what its other scanners hold. Tried in a random order, so workers asking at the same
        moment spread over the lanes instead of racing for lane 0."""
        await self.beat(redis)
        want = math.ceil(self.lanes / await self.live(redis)) - len(self.held)
        lease = Lease(self, redis)
        free = [lane for lane in range(self.lanes) if lane not in self.held]
        if want <= 0 or not free:
            return lease
        random.shuffle(free)
        keys = [LEASE_KEY.format(lane) for lane in free]
        got = [free[int(i) - 1] for i in await redis.eval(
            _TAKE, len(keys), *keys, lease.token, LEASE_MS, want
        )]  # fmt: skip
        if got:
            until = await redis.mget([UNTIL_KEY.format(lane) for lane in got])
            lease.floors = {
                lane: datetime.fromtimestamp(int(ms) / 1000, UTC)
                for lane, ms in zip(got, until, strict=True)
                if ms is not None
            }
        lease.hold(set(got))
        return lease


class Lease:
    """The lanes one scanner holds: renewed in the background while held, freed on release."""

    def __init__(self, node: Node, redis: Any) -> None:
        self.node, self.redis = node, redis
        # The worker's id first: `GET scrm:journey:lane:N` says which worker holds lane N.
        self.token = f"{node.id}:{uuid.uuid4().hex[:12]}"
        # Written on the runs it claims (journey_run.claimed_by): its worker, then itself.
        self.claimer = f"{node.id}:{uuid.uuid4().hex[:7]}"
        self.lanes: set[int] = set()
        # Per lane, the horizon its previous holder left: runs due up to it are still that
        # scanner's to claim until HANDOVER_GRACE past it.
        self.floors: dict[int, datetime] = {}
        self.renewed = clock.monotonic()
        self._task: asyncio.Task[None] | None = None

    def hold(self, lanes: set[int]) -> None:
        self.lanes |= lanes
        self.node.held |= lanes
        self.renewed = clock.monotonic()
        if lanes and self._task is None:
            self._task = asyncio.create_task(self._keep())

    async def current(self) -> list[int]:
        """The lanes this scanner may claim now. If the renewals fell behind (an event loop
        stalled), renew first: a lease may have lapsed and the lane changed hands."""
        if self.lanes and clock.monotonic() - self.renewed > RENEW_S * 1.5:
            await self.renew()
        return sorted(self.lanes)

    async def renew(self) -> None:
        lanes = sorted(self.lanes)
        keys = [LEASE_KEY.format(lane) for lane in lanes]
        try:
            kept = {lanes[int(i) - 1] for i in await self.redis.eval(
                _RENEW, len(keys), *keys, self.token, LEASE_MS
            )}  # fmt: skip
        except RedisError as exc:
            # Unknown whether the leases still stand: claim no more (a restarted Redis holds
            # none, and another worker may take them); what is held is still walked.
            log.warning("journey.lanes_unrenewed", lanes=lanes, error=str(exc))
            kept = set()
        if lost := set(lanes) - kept:
            log.warning("journey.lanes_lost", lanes=sorted(lost))
            self._drop(lost)
        self.renewed = clock.monotonic()

    async def _keep(self) -> None:
        while self.lanes:
            await asyncio.sleep(RENEW_S)
            if self.lanes:
                await self.renew()

    def _drop(self, lanes: set[int]) -> None:
        self.lanes -= lanes
        self.node.held -= lanes

    def fresh(self) -> bool:
        return self.node.fresh()

    async def dead(self, claimers: set[str]) -> set[str]:
        self.node.abandoned &= claimers  # those handed back already are done with
        return await self.node.dead(self.redis, claimers)

    def abandon(self) -> None:
        """This scanner failed or was cancelled holding runs: the next scan hands them back
        (this worker's, or another's once this one is dead)."""
        self.node.abandoned.add(self.claimer)

    def floor(self, lane: int, now: datetime) -> datetime | None:
        """Claim only runs of `lane` due after this (None: any)."""
        until = self.floors.get(lane)
        return until if until is not None and now <= until + HANDOVER_GRACE else None

    async def release(self, horizon: datetime | None = None) -> None:
        """Free the lanes (idempotent): the next scanner may claim them at once. `horizon`:
        this scanner still holds runs due up to then, and claims the late-comers due by then
        itself (they join its send windows); the next holder leaves those to it."""
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        lanes = sorted(self.lanes)
        self._drop(set(lanes))
        if not lanes:
            return
        keys = [LEASE_KEY.format(lane) for lane in lanes] + [UNTIL_KEY.format(x) for x in lanes]
        at = "" if horizon is None else str(int(horizon.timestamp() * 1000))
        grace_ms = int(HANDOVER_GRACE.total_seconds() * 1000)
        ttl = max(0, int(at or 0) - _ms()) + 2 * grace_ms
        with contextlib.suppress(RedisError):  # unfreed, they lapse by themselves
            await self.redis.eval(_RELEASE, len(keys), *keys, self.token, at, ttl)
