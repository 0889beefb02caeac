"""How a sync starts by itself: a new corp's first sync (once), the nightly cron's hour, and
rate limits met on the way backing off through the client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from arq.connections import ArqRedis
from arq.jobs import Job

from bot.app import make_arq
from bot.jobs.sync_jobs import first_syncs
from bot.worker import build_worker
from scrm.infra import keys
from scrm.infra.job_names import FIRST_SYNCS, NIGHTLY_SYNC, first_sync_job_id
from scrm.infra.settings import Settings
from scrm.models import Corp, FollowRelation
from scrm.sync.corp import run_corp_sync
from scrm.sync.corp_run import enqueue_first_syncs
from tests.livecode.conftest import Linked, linked  # noqa: F401
from tests.sync.helpers import corp_pk
from tests.wecom.sandbox_fixtures import Sandbox
from wecom.client import WeComClient


@pytest.fixture
async def arq(db: Settings) -> AsyncIterator[ArqRedis]:
    pool = make_arq(db)
    yield pool
    await pool.aclose()


async def test_a_corp_that_never_synced_gets_one_first_sync(
    db: Settings, arq: ArqRedis, sandbox: Sandbox, wecom: WeComClient
) -> None:
    pk = await corp_pk()
    assert await enqueue_first_syncs(arq) == 1
    assert await enqueue_first_syncs(arq) == 0  # a second worker start queues nothing more
    job = Job(first_sync_job_id(pk), arq)
    info = await job.info()
    assert info is not None and info.function == "corp_sync" and info.args == (pk, "first")
    await arq.delete(f"arq:job:{first_sync_job_id(pk)}")
    await run_corp_sync(pk, wecom, arq)
    assert await enqueue_first_syncs(arq) == 0  # it has synced: nothing to do


async def test_a_corp_created_after_the_worker_started_is_synced_within_a_minute(
    db: Settings, arq: ArqRedis
) -> None:
    # A deploy starts `serve` and `worker` at once; `serve` creates the first corp from
    # SCRM_WECOM_*. A worker that started first found no corp to sync; its minute cron does.
    worker = build_worker(db, sweeper=False)
    job = next(j for j in worker.cron_jobs if j.name == FIRST_SYNCS)
    assert job.second == {10} and job.minute is None and job.unique  # each minute, once
    pk = await corp_pk()
    await Corp.filter(id=pk).update(active=False)  # not there yet, as far as the worker knows
    assert await enqueue_first_syncs(arq) == 0  # the worker's start-up
    await Corp.filter(id=pk).update(active=True)  # serve has created it
    assert await first_syncs({"redis": arq}) == 1
    info = await Job(first_sync_job_id(pk), arq).info()
    assert info is not None and info.args == (pk, "first")
    assert await first_syncs({"redis": arq}) == 0  # queued once, not each minute


async def test_a_corp_added_in_the_admin_queues_its_first_sync(linked: Linked) -> None:  # noqa: F811
    body = {
        "corp_id": "wwa1b2c3d4e5f60718",
        "agent_id": 1000003,
        "secret": "another-secret",
        "token": "tok",
        "aes_key": "a" * 43,
    }
    made = await linked.api("POST", "/api/v1/corps", body, status=201)
    info = await Job(first_sync_job_id(made["id"]), linked.bot.app[keys.ARQ]).info()
    assert info is not None and info.args == (made["id"], "first")


def test_the_nightly_reconcile_runs_at_the_configured_hour(settings: Settings) -> None:
    worker = build_worker(settings.model_copy(update={"sync_hour": 4}), sweeper=False)
    nightly = next(job for job in worker.cron_jobs if job.name == NIGHTLY_SYNC)
    assert nightly.hour == {4} and nightly.unique


async def test_rate_limits_back_off_and_the_sync_goes_on(
    db: Settings, sandbox: Sandbox, wecom: WeComClient, redis_client: aioredis.Redis
) -> None:
    await sandbox.control("friends", {"friends": [{"userid": "wangwu", "name": "限流客户"}]})
    await sandbox.control(
        "faults", {"api": "externalcontact/batch/get_by_user", "errcode": 45009, "count": 2}
    )
    await run_corp_sync(await corp_pk(), wecom, redis_client, only="staff")
    run = await run_corp_sync(await corp_pk(), wecom, redis_client, only="customers")
    assert run.status == "done" and run.errors == []
    assert wecom.stats.retries >= 2
    assert await FollowRelation.filter(customer__name="限流客户").exists()
