"""Process orchestration: run the web app and/or the worker until SIGTERM, then stop cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from aiohttp import web
from arq.worker import Worker
from redis.asyncio import Redis

from bot import bulk_yield, welcome_child
from bot.app import create_app
from scrm.infra import keys, metrics
from scrm.infra.logging import get_logger
from scrm.infra.settings import Settings

log = get_logger("bot.runner")

WORKER_RESTART_SECONDS = 2.0


def stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def start_web(settings: Settings, host: str, port: int) -> web.AppRunner:
    # access_log off: one line per callback at 800/s is noise; the edge logs what matters.
    runner = web.AppRunner(create_app(settings), access_log=None, shutdown_timeout=10)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("web.started", url=f"http://{host}:{port}")
    return runner


async def _drain(runner: web.AppRunner, seconds: float) -> None:
    """/healthz says 503 while the process keeps serving, so the balancer stops routing here
    before the listening socket closes (a rolling restart then refuses nobody)."""
    if seconds <= 0 or runner.app is None:
        return
    runner.app[keys.DRAINING].set()
    log.info("web.draining", seconds=seconds)
    await asyncio.sleep(seconds)


async def _close_worker(worker: Worker, grace: float) -> None:
    worker.allow_pick_jobs = False
    stopping = worker.ctx.get("stopping")
    if stopping is not None:  # long jobs (the lead drain) end at their next safe point
        stopping.set()
    # Let jobs in flight finish, including ones arq's poll loop starts while the flag turns:
    # a job cancelled between "marked in progress" and "ran" would sit out its 60-s timeout.
    # arq's close() cancels whatever still runs, so it is called only after the grace.
    deadline = asyncio.get_running_loop().time() + grace
    while (running := [t for t in worker.tasks.values() if not t.done()]) and (
        left := deadline - asyncio.get_running_loop().time()
    ) > 0:
        await asyncio.wait(running, timeout=left)
        await asyncio.sleep(0.05)  # one more poll-loop turn to surface late starters
    try:
        await worker.close()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # we are being cancelled ourselves
        # A job still running after the grace was cancelled inside close(); its row is still
        # pending (or back to pending: lead pushes), and a sweeper re-runs it.
        log.warning("worker.job_cancelled_at_close", grace=grace)
    except Exception:
        # close() needs Redis; when Redis is what failed, release our resources ourselves.
        if worker.on_shutdown and not worker.ctx.get("shut_down"):
            await worker.on_shutdown(worker.ctx)


async def supervise_welcome(settings: Settings, stop: asyncio.Event) -> None:
    """Run the welcome worker (bot/welcome_worker.py) until `stop`; restart it if it fails."""
    from bot.welcome_worker import WelcomeWorker  # the WeCom client: not needed by `serve`

    while not stop.is_set():
        worker = WelcomeWorker(settings)
        try:
            await worker.start()
            await worker.run(stop)
        except Exception as exc:
            log.warning(
                "welcome_worker.stopped", error=repr(exc), restart_in=WORKER_RESTART_SECONDS
            )
        finally:
            await worker.close(settings.worker_shutdown_grace_seconds)
        if not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), WORKER_RESTART_SECONDS)


async def supervise_worker(
    settings: Settings, stop: asyncio.Event, *, sweeper: bool, yields: bool = False
) -> None:
    """Keep one arq worker running; a Redis outage kills arq's loop, so restart it after.
    With `yields`, it starts no job while welcomes are in flight (bot/bulk_yield.py)."""
    from bot.worker import build_worker  # handlers and the WeCom client: not needed by `serve`

    while not stop.is_set():
        worker = build_worker(settings, sweeper=sweeper)
        run_task = asyncio.create_task(worker.async_run())
        stop_task = asyncio.create_task(stop.wait())
        done_yielding = asyncio.Event()
        yielder = (
            asyncio.create_task(_yield(settings, worker, done_yielding)) if yields else None
        )
        await asyncio.wait({run_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        stop_task.cancel()
        done_yielding.set()
        if yielder is not None:
            await yielder
        if stop.is_set():
            await _close_worker(worker, settings.worker_shutdown_grace_seconds)
            run_task.cancel()
            with contextlib.suppress(BaseException):
                await run_task
            return
        error = run_task.exception() if not run_task.cancelled() else None
        log.warning("worker.stopped", error=repr(error), restart_in=WORKER_RESTART_SECONDS)
        await _close_worker(worker, settings.worker_shutdown_grace_seconds)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), WORKER_RESTART_SECONDS)


async def _yield(settings: Settings, worker: Worker, done: asyncio.Event) -> None:
    redis = Redis.from_url(settings.redis_url)
    try:
        await bulk_yield.yield_to_welcomes(worker, redis, done, settings.bulk_yield_seconds)
    finally:
        await redis.aclose()


WELCOME_PORT_OFFSET = 1000  # the welcome child's /metrics: the worker's port + this
CHILD_READY_SECONDS = 30.0  # `up` opens its port without the welcome child after this long


def splits_bulk(settings: Settings) -> bool:
    """Whether `up` runs its bulk worker in a child process: on PostgreSQL. A SQLite file has
    one writer at a time, so there a second process would only queue on its lock."""
    return settings.welcome_process and not settings.database_url.startswith("sqlite")


async def run(
    settings: Settings,
    *,
    web_on: bool,
    worker_on: bool,
    host: str,
    port: int,
    stop: asyncio.Event | None = None,
    welcome_only: bool = False,
    bulk_only: bool = False,
) -> None:
    """Serve until `stop` (SIGTERM/SIGINT by default). Accepted events are in the DB before
    their ack, so stopping mid-stream loses nothing: unfinished jobs are re-run later."""
    stop = stop or stop_on_signals()
    metrics.PROCESS_INFO.labels(
        role="up" if web_on and worker_on else "web" if web_on else "worker"
    ).set(1)
    worker_tasks = []
    child = bool(os.environ.get(welcome_child.PARENT_ENV))
    welcome_started = False
    if worker_on and web_on and settings.welcome_process:
        # `up`: the welcome child first, and the port opens once it can take work; a poster
        # burst that starts with the web would otherwise queue its first welcomes behind the
        # child's start-up (seconds on a busy machine).
        ready = asyncio.Event()
        worker_tasks.append(
            asyncio.create_task(welcome_child.supervise(settings, stop, "welcome", ready))
        )
        welcome_started = True
        if splits_bulk(settings):
            bulk = welcome_child.supervise(settings, stop, "bulk")
            worker_tasks.append(asyncio.create_task(bulk))
            worker_on = False
        waits = {asyncio.create_task(ready.wait()), asyncio.create_task(stop.wait())}
        _, pending = await asyncio.wait(
            waits, timeout=CHILD_READY_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        for waiting in pending:
            waiting.cancel()
        if not ready.is_set() and not stop.is_set():
            log.warning("welcome_child.not_ready", waited=CHILD_READY_SECONDS)
    runner = await start_web(settings, host, port) if web_on else None
    probe = None
    if worker_on and not web_on and settings.worker_metrics_port:
        from bot.worker_health import start_worker_health

        # The welcome worker's child process has its own metrics (welcome latency lives
        # there): it answers 1000 ports up, clear of consecutive worker ports (9101, 9102…).
        port_used = settings.worker_metrics_port + (WELCOME_PORT_OFFSET if welcome_only else 0)
        probe = await start_worker_health(settings, host, port_used)
    if worker_on and welcome_only:
        worker_tasks.append(asyncio.create_task(supervise_welcome(settings, stop)))
    elif worker_on and bulk_only:
        # `up`'s bulk half: its web process runs the sweeper, the welcome has its own child.
        welcome_child.lower_priority(settings.bulk_nice)
        worker_tasks.append(
            asyncio.create_task(supervise_worker(settings, stop, sweeper=False, yields=True))
        )
    elif worker_on:
        # `up` on SQLite keeps the bulk worker here; it too yields to welcomes in flight.
        yields = web_on and settings.welcome_process
        worker_tasks.append(
            asyncio.create_task(
                supervise_worker(settings, stop, sweeper=not web_on, yields=yields)
            )
        )
        # Welcomes have a worker of their own, so bulk work never holds one back; in a child
        # process by default, so bulk work cannot take its CPU either (decision 0024).
        if not welcome_started:
            worker_tasks.append(
                asyncio.create_task(welcome_child.supervise(settings, stop))
                if settings.welcome_process
                else asyncio.create_task(supervise_welcome(settings, stop))
            )
    if worker_on and child:
        worker_tasks.append(asyncio.create_task(welcome_child.orphan_watch(stop)))
    await stop.wait()
    log.info("shutdown.begin")
    if runner:
        await _drain(runner, settings.web_drain_seconds)
        await runner.cleanup()  # stops accepting, lets in-flight requests finish
    for task in worker_tasks:
        await task
    if probe:
        await probe.cleanup()
    log.info("shutdown.done")
