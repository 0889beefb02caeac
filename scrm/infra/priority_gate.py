"""The web process serves poster scans and welcomes ahead of lead webhooks.

A lead burst (64 connections as fast as they go) keeps one event loop full; a poster's landing
page and the add callback that follows it then wait their turn behind the pushes, and the CPU
the pushes take is the CPU the welcome child lacks (docs/benchmarks.md, decision 0035). So
while a landing page is in flight here, shortly after one or after an add that wants a welcome
reached the edge, or while the welcome lane is busy (`scrm:welcome:busy`, any process), a lead
webhook waits before it starts, at most `webhook_yield_seconds`; then it runs whatever else is
going on. Webhooks are delayed, never refused: the platforms allow seconds for an answer, a
customer scanning a poster does not. Other callbacks hold nothing: a corp's steady stream of
events must not slow every lead push.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

from aiohttp import web
from aiohttp.typedefs import Middleware
from redis.asyncio import Redis
from redis.exceptions import RedisError

from scrm.infra import welcome_lane
from scrm.infra.metrics import WEBHOOKS_HELD

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# After a landing page the scanning customer's add callback follows within a few hundred ms.
LINGER_SECONDS = 0.3
POLL_SECONDS = 0.1  # how often the welcome lane's busy flag is read (one EXISTS)
PRIORITY_PREFIXES = ("/l/",)
YIELDING_PREFIXES = ("/webhooks/",)


class PriorityGate:
    """Open when nothing urgent is going on; webhooks `admit()` through it."""

    def __init__(self, max_wait: float) -> None:
        self.max_wait = max_wait
        self._inflight = 0
        self._until = 0.0  # urgent until then (monotonic), after the last one or a busy flag
        self._open = asyncio.Event()
        self._open.set()
        self._timer: asyncio.TimerHandle | None = None

    def urgent(self) -> bool:
        return self._inflight > 0 or time.monotonic() < self._until

    def hold(self, seconds: float) -> None:
        """Keep webhooks waiting for `seconds` from now (a busy flag seen, a request done)."""
        self._until = max(self._until, time.monotonic() + seconds)
        self._close()

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        self._inflight += 1
        self._close()
        try:
            yield None
        finally:
            self._inflight -= 1
            self.hold(LINGER_SECONDS)

    async def admit(self) -> float:
        """Wait while urgent work is on, at most `max_wait`; the seconds waited."""
        if self._open.is_set() or self.max_wait <= 0:
            return 0.0
        started = time.monotonic()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.max_wait):
                await self._open.wait()
        waited = time.monotonic() - started
        WEBHOOKS_HELD.observe(waited)
        return waited

    def _close(self) -> None:
        self._open.clear()
        if self._timer is None:
            self._schedule()

    def _schedule(self) -> None:
        delay = max(self._until - time.monotonic(), 0.0) + 0.01
        self._timer = asyncio.get_running_loop().call_later(delay, self._reopen)

    def _reopen(self) -> None:
        self._timer = None
        if self.urgent():
            self._schedule()  # still urgent: look again when the current hold ends
        else:
            self._open.set()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._open.set()


async def watch_welcomes(gate: PriorityGate, redis: Redis, stop: asyncio.Event) -> None:
    """Hold the gate while the welcome lane is busy in any process (one EXISTS per poll)."""
    while not stop.is_set():
        try:
            if await redis.exists(welcome_lane.BUSY):
                gate.hold(POLL_SECONDS * 2)
        except (RedisError, OSError):
            pass  # no Redis, no welcomes to make room for
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_SECONDS)


def middleware(gate: PriorityGate) -> Middleware:
    @web.middleware
    async def priority_gate(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path.startswith(PRIORITY_PREFIXES):
            with gate.serving():
                return await handler(request)
        if path.startswith(YIELDING_PREFIXES):
            await gate.admit()
        return await handler(request)

    return priority_gate


def lifetime(gate: PriorityGate, redis: Callable[[], Redis]) -> Callable[..., AsyncIterator[None]]:
    """A cleanup context: watches the welcome lane while the app runs."""

    async def run(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(watch_welcomes(gate, redis(), stop))
        yield
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        gate.close()

    return run
