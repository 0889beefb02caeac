"""`msgaudit_notify` queues one archive pull per 15 s window, through arq."""

from __future__ import annotations

from arq import create_pool
from arq.connections import RedisSettings

from handlers import build_dispatcher
from scrm.infra.settings import Settings
from scrm.models import Corp
from tests.callbacks import event_xml
from tests.conftest import CORP_ID, REDIS_URL
from wecom.events import parse_event


async def test_archive_notices_queue_one_pull_per_window(db: Settings) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    pool = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    try:
        await pool.flushdb()

        async def notice(t: int) -> object:
            event = parse_event(event_xml(CORP_ID, t, Event="msgaudit_notify", AgentID="2000004"))
            return await build_dispatcher().feed(event, corp=corp, inbox_id=1, redis=pool)

        assert await notice(1_700_000_000) == "pull queued"
        assert await notice(1_700_000_004) == "pull already queued"  # same 15 s window
        assert await notice(1_700_000_015) == "pull queued"  # the next window
        jobs = sorted(j.function for j in await pool.queued_jobs())
        assert jobs == ["compliance_archive", "compliance_archive"]
        # Without a queue (a replay tool) the notice is answered, nothing breaks.
        event = parse_event(event_xml(CORP_ID, 1_700_000_030, Event="msgaudit_notify"))
        assert await build_dispatcher().feed(event, corp=corp, inbox_id=1) == "no queue"
    finally:
        await pool.flushdb()
        await pool.aclose()
