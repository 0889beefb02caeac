"""The arq worker: settings class, start-up/shutdown of its resources, job registry."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
from arq.connections import RedisSettings
from arq.worker import Worker

from bot import inbox
from bot.db import close_db, init_db
from bot.jobs.campaigns import mass_send_run, mass_send_tick, material_media
from bot.jobs.compliance_alerts import compliance_notify, compliance_reply_timeouts
from bot.jobs.compliance_archive import compliance_archive
from bot.jobs.cron_rules import cluster_cron
from bot.jobs.exports import export_file
from bot.jobs.inbox import process_inbox
from bot.jobs.journey_loop import journey_loop
from bot.jobs.leads import drain_lead_events, lead_upkeep, rescore_leads
from bot.jobs.livecodes import sync_live_codes
from bot.jobs.sop import journey_dates, sop_plan, sop_scan, sop_track
from bot.jobs.sync_jobs import (
    corp_sync,
    first_syncs,
    nightly_sync,
    sync_refresh_customer,
    sync_refresh_group,
    sync_refresh_tags,
)
from bot.jobs.tasks import remind_tasks, watch_sla
from bot.jobs.transfers import transfers_tick
from handlers import build_dispatcher
from scrm.infra.clients import WeComClients
from scrm.infra.job_names import (
    COMPLIANCE_ARCHIVE,
    COMPLIANCE_NOTIFY,
    COMPLIANCE_REPLY_TIMEOUTS,
    CORP_SYNC,
    DRAIN_LEAD_EVENTS,
    EXPORT_FILE,
    FIRST_SYNCS,
    JOURNEY_DATES,
    LEAD_UPKEEP,
    LONGEST_JOB_TIMEOUT,
    MASS_SEND_RUN,
    MASS_SEND_TICK,
    MATERIAL_MEDIA,
    NIGHTLY_SYNC,
    PROCESS_INBOX,
    PROCESS_INBOX_TIMEOUT,
    REFRESH_CUSTOMER,
    REFRESH_GROUP,
    REFRESH_TAGS,
    REMIND_TASKS,
    RESCORE_LEADS,
    SOP_PLAN,
    SOP_SCAN,
    SOP_TRACK,
    SYNC_LIVE_CODES,
    TRANSFERS_TICK,
    WATCH_SLA,
)
from scrm.infra.retry import Kind, job
from scrm.infra.settings import Settings
from scrm.sop.journey_lanes import Node
from scrm.sync import corp_run


def build_worker(settings: Settings, *, burst: bool = False, sweeper: bool = True) -> Worker:
    """An arq Worker for `settings`; `burst=True` drains the queue and returns (tests)."""
    # This worker's journey lanes and heartbeat (the supervisor builds a new worker, and so a
    # new node, after a Redis outage; the old one left the live count at its shutdown).
    node = Node()

    async def startup(ctx: dict[str, Any]) -> None:
        await init_db(settings)
        ctx["settings"] = settings
        # Set on shutdown; an Event, not a flag, because arq hands each job a copy of ctx.
        ctx["stopping"] = asyncio.Event()
        ctx["http"] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        ctx["clients"] = WeComClients(settings, ctx["http"], ctx["redis"])
        ctx["dispatcher"] = build_dispatcher()
        ctx["journey_node"] = node
        if not burst:  # counted among the live workers, and scanning its share each second
            node.start(ctx["redis"])
            ctx["journey_loop"] = asyncio.create_task(
                journey_loop(ctx, node, settings.worker_shutdown_grace_seconds)
            )
        if sweeper:
            ctx["sweeper"] = asyncio.create_task(
                inbox.run_sweeper(
                    ctx["redis"], settings.inbox_sweep_seconds, settings.inbox_backoff_seconds
                )
            )
        if not burst:  # a corp that never synced gets its first full sync by itself
            await corp_run.enqueue_first_syncs(ctx["redis"])

    async def shutdown(ctx: dict[str, Any]) -> None:
        ctx["shut_down"] = True
        if (loop := ctx.get("journey_loop")) is not None:
            ctx["stopping"].set()  # already set by a graceful close; not by arq's own
            await loop  # its scanners walk what they hold (up to the grace)
        await node.stop()
        task = ctx.get("sweeper")
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if "http" in ctx:
            await ctx["http"].close()
        await close_db()

    worker = Worker(
        functions=[
            # How each is tried again: scrm/infra/retry.py, decision 0042.
            job(process_inbox, name=PROCESS_INBOX, timeout=PROCESS_INBOX_TIMEOUT, kind=Kind.ROWS),
            job(drain_lead_events, name=DRAIN_LEAD_EVENTS, timeout=600, kind=Kind.ROWS),
            # The tick takes over a send whose holder stopped (its lease on the row lapses).
            job(mass_send_run, name=MASS_SEND_RUN, timeout=1800, kind=Kind.ROWS),
            job(rescore_leads, name=RESCORE_LEADS, timeout=1800, kind=Kind.ARQ),
            job(sync_refresh_customer, name=REFRESH_CUSTOMER, timeout=60, kind=Kind.ARQ),
            job(sync_refresh_group, name=REFRESH_GROUP, timeout=60, kind=Kind.ARQ),
            job(sync_refresh_tags, name=REFRESH_TAGS, timeout=120, kind=Kind.ARQ),
            # A resumed sync continues from its cursors: one try, the next start resumes.
            job(corp_sync, name=CORP_SYNC, timeout=3 * 3600, kind=Kind.ONCE),
            job(export_file, name=EXPORT_FILE, timeout=600, kind=Kind.ONCE),  # the user asks again
        ],
        # Once per period across N workers: bot/jobs/cron_rules.py, docs/architecture.md.
        cron_jobs=[]
        if burst
        else [
            cluster_cron(sync_live_codes, name=SYNC_LIVE_CODES, timeout=50),  # each minute at :00
            cluster_cron(first_syncs, name=FIRST_SYNCS, second={10}, timeout=50),
            cluster_cron(lead_upkeep, name=LEAD_UPKEEP, minute={7}, timeout=600),  # hourly at :07
            cluster_cron(remind_tasks, name=REMIND_TASKS, second={30}, timeout=50),
            cluster_cron(watch_sla, name=WATCH_SLA, second={40}, timeout=50),
            # Every second: SOP lateness is the scan interval plus the WeCom call.
            cluster_cron(sop_scan, name=SOP_SCAN, second=set(range(60)), timeout=55),
            cluster_cron(sop_track, name=SOP_TRACK, second={15}, timeout=55),
            cluster_cron(journey_dates, name=JOURNEY_DATES, minute={20}, timeout=600),  # hourly
            # Every 15 s, WeCom's msgaudit_notify cadence.
            cluster_cron(
                compliance_archive, name=COMPLIANCE_ARCHIVE, second={0, 15, 30, 45}, timeout=100
            ),
            cluster_cron(
                sop_plan, name=SOP_PLAN, minute=set(range(0, 60, 10)), second={5}, timeout=500
            ),
            cluster_cron(
                compliance_reply_timeouts, name=COMPLIANCE_REPLY_TIMEOUTS, second={45}, timeout=55
            ),
            cluster_cron(compliance_notify, name=COMPLIANCE_NOTIFY, second={50}, timeout=55),
            cluster_cron(transfers_tick, name=TRANSFERS_TICK, second={25}, timeout=55),
            # 群发: scheduled sends start within 5 s; tracking polls follow their own backoff.
            cluster_cron(
                mass_send_tick,
                name=MASS_SEND_TICK,
                second=set(range(0, 60, 5)),
                timeout=1800,
            ),
            cluster_cron(material_media, name=MATERIAL_MEDIA, minute={35}, timeout=600),  # hourly
            # The nightly reconcile, at SCRM_SYNC_HOUR (the worker's local time zone).
            cluster_cron(
                nightly_sync,
                name=NIGHTLY_SYNC,
                hour={settings.sync_hour},
                minute={17},
                timeout=LONGEST_JOB_TIMEOUT,
            ),
        ],
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        max_jobs=settings.worker_max_jobs,
        burst=burst,
        handle_signals=False,
        keep_result=3600,
        poll_delay=0.05,
    )
    # The journey loop is no arq job: it asks here whether `up`'s bulk worker is holding back
    # for welcomes (bot/bulk_yield.py sets allow_pick_jobs), and starts no scan meanwhile.
    worker.ctx["paused"] = lambda: not worker.allow_pick_jobs
    return worker
