"""The funnel roll-up stays exact when leads arrive through the set-based drain's SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from bot.jobs.leads import drain_lead_events
from scrm.infra.settings import Settings
from scrm.models import Lead, LeadEvent
from scrm.services import reports
from tests.conftest import BACKEND
from tests.leads.test_batch import make_source, pending
from tests.reports.test_funnel_rollup import _matches_rebuild

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="the roll-up is PostgreSQL's")


async def test_drained_pushes_and_merges_are_counted_once(
    db: Settings, redis_client: aioredis.Redis
) -> None:
    source = await make_source()
    people = [{"name": f"客户{i}", "phone": f"1390000{i:04d}"} for i in range(30)]
    repeats = [{"name": "再来", "phone": f"+86 1390000{i:04d}", "city": "杭州"} for i in range(9)]
    repeats.append({"name": "又来了", "phone": "13900000009"})
    await pending(source, people + repeats)
    await drain_lead_events({"redis": redis_client})
    for event in await LeadEvent.all():  # the helper numbers message ids from m0 each call
        await LeadEvent.filter(id=event.id).update(message_id=f"first-{event.id}")
    # A second drain: pushes for known people (UPDATE … FROM unnest) and new ones (INSERT).
    await pending(
        source,
        [{"name": "回头客", "phone": "13900000003"}, {"name": "新客", "phone": "13700000001"}],
    )
    await drain_lead_events({"redis": redis_client})
    corp_id = (await Lead.get(name="新客")).corp_id
    assert await Lead.filter(merged_into_id=None).count() == 31
    now = datetime.now(UTC)
    window = (now - timedelta(days=1), now + timedelta(days=1))
    for by in reports.GROUPS:
        rolled = await reports.funnel(corp_id, by, *window)
        direct = await reports.funnel(corp_id, by, *window, direct=True)
        assert rolled == direct, by
    total = await reports.funnel(corp_id, "channel", *window)
    assert sum(row["leads"] for row in total) == 31
    await _matches_rebuild(corp_id)
