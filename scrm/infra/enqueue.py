"""Batched, arq-compatible enqueueing: many inbox jobs per Redis round trip.

arq's `enqueue_job` spends six Redis commands (WATCH, EXISTS, MULTI, PSETEX, ZADD, EXEC) on
each job, which under a callback burst cost more CPU than the whole edge. This writes the very
same keys arq writes — `arq:job:{id}` (the pickled job) and the `arq:queue` sorted set — for a
whole batch in one Lua call, with arq's uniqueness rule kept: a job id whose job or result key
exists is skipped. arq's worker runs these jobs unchanged (see docs/decisions/0004).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from arq.connections import ArqRedis
from arq.constants import default_queue_name, expires_extra_ms, job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from redis.exceptions import RedisError

from scrm.infra import metrics, welcome_lane
from scrm.infra.job_names import DRAIN_LEAD_EVENTS, PROCESS_INBOX, inbox_job_id
from scrm.infra.logging import get_logger

log = get_logger("scrm.infra.enqueue")

_SCRIPT = """
local queue, px, job_prefix, result_prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local added = 0
for i = 5, #ARGV, 3 do
  local id = ARGV[i]
  if redis.call('EXISTS', result_prefix .. id) == 0
     and redis.call('SET', job_prefix .. id, ARGV[i + 2], 'PX', px, 'NX') then
    redis.call('ZADD', queue, ARGV[i + 1], id)
    added = added + 1
  end
end
return added
"""

# (inbox_id, inbox key, attempt, replay)
JobRef = tuple[int, str, int, int]
# A job ref and whether its add goes to the welcome lane first.
WelcomeRef = tuple[int, str, int, int, bool]


async def enqueue_inbox_jobs(arq: ArqRedis, refs: Sequence[JobRef]) -> int:
    """Enqueue process_inbox jobs; returns how many were new. Raises on Redis errors."""
    if not refs:
        return 0
    now_ms = int(time.time() * 1000)
    argv: list[str | bytes | int] = [
        default_queue_name,
        expires_extra_ms,
        job_key_prefix,
        result_key_prefix,
    ]
    for inbox_id, key, attempt, replay in refs:
        job = serialize_job(PROCESS_INBOX, (inbox_id,), {}, None, now_ms)
        argv += [inbox_job_id(key, attempt, replay), now_ms, job]
    # redis-py's stubs type eval's args as str and its result as sync-or-async.
    added = await arq.eval(_SCRIPT, 0, *argv)  # type: ignore[arg-type,misc]
    return int(added)


class BatchEnqueuer:
    """Collects job refs from concurrent requests and flushes them in batches."""

    def __init__(self, arq: ArqRedis, max_batch: int = 200) -> None:
        self.arq = arq
        self.max_batch = max_batch
        self.queue: asyncio.Queue[WelcomeRef] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def submit(
        self, inbox_id: int, key: str, attempt: int = 0, replay: int = 0, *, welcome: bool = False
    ) -> None:
        """Queue the row's inbox job; with `welcome`, the welcome lane instead (the welcome
        worker queues the inbox job when the welcome is out)."""
        self.queue.put_nowait((inbox_id, key, attempt, replay, welcome))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self, timeout: float = 5.0) -> None:
        """Flush what is queued (bounded by `timeout`), then stop."""
        try:
            await asyncio.wait_for(self.queue.join(), timeout)
        except TimeoutError:
            log.warning("enqueue.stop_with_backlog", backlog=self.queue.qsize())
        if self._task:
            self._task.cancel()

    async def _run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < self.max_batch and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            try:
                # An add with a welcome goes only to the welcome lane here: the welcome worker
                # enqueues its inbox job once the welcome is out (the sweeper covers a lost one).
                await welcome_lane.push(self.arq, [r[0] for r in batch if r[4]])
                await enqueue_inbox_jobs(self.arq, [r[:4] for r in batch if not r[4]])
            except (RedisError, OSError, TimeoutError) as exc:
                # The rows stay pending in the inbox; the sweeper enqueues them later.
                metrics.ENQUEUE_FAILED.inc(len(batch))
                log.warning("enqueue.failed", jobs=len(batch), error=type(exc).__name__)
            finally:
                for _ in batch:
                    self.queue.task_done()


_last_kick = [0.0]


async def kick_drain(arq: Any) -> None:
    """Wake a worker to drain pending pushes in batches: at most one job per window per
    process (a drain loops until nothing is pending; the sweeper catches the rare straggler)."""
    window = int(time.monotonic() * 4)
    if _last_kick[0] == window:
        return
    _last_kick[0] = window
    try:
        await arq.enqueue_job(DRAIN_LEAD_EVENTS, _job_id=f"lead-drain:{int(time.time() * 4)}")
    except (RedisError, OSError, TimeoutError) as exc:  # Redis down: the sweeper drains
        log.warning("leads.kick_failed", error=type(exc).__name__)
