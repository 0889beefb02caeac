"""A killed drain's batch comes back in seconds, and a batch handed back is never written twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.jobs.leads import drain_lead_events
from scrm.infra.settings import Settings
from scrm.models import Lead, LeadEvent
from scrm.services import lead_batch
from scrm.services.lead_drain import DEAD_AFTER, SLOT_KEY, claim_stamp, release_dead_batches
from tests.leads.test_batch import make_source, pending


async def test_a_batch_handed_back_before_its_write_writes_nothing(
    db: Settings, redis_client: aioredis.Redis
) -> None:
    source = await make_source()
    await pending(source, [{"name": "甲", "phone": "13900000001"}])
    stale = await lead_batch.claim()  # a drain that then stalls …
    await LeadEvent.filter(id=stale[0]["id"]).update(status="pending")  # … looked dead
    fresh = await lead_batch.claim()  # and another drain took the push
    with pytest.raises(lead_batch.BatchLost):
        await lead_batch.ingest_batch(stale, redis_client)
    assert await Lead.all().count() == 0  # the stalled drain wrote nothing
    counts = await lead_batch.ingest_batch(fresh, redis_client)
    assert counts["created"] == 1
    lead = await Lead.get()
    assert lead.touches == 1 and (await LeadEvent.get()).status == "done"
    with pytest.raises(lead_batch.BatchLost):  # nor after the other drain's write
        await lead_batch.ingest_batch(stale, redis_client)
    assert (await Lead.get()).touches == 1


async def test_a_batch_no_slot_names_goes_back_once_it_is_old(
    db: Settings, redis_client: aioredis.Redis
) -> None:
    source = await make_source()
    bodies = [{"name": n, "phone": f"1390000000{i}"} for i, n in enumerate("甲乙丙")]
    await pending(source, bodies)
    now = datetime.now(UTC)
    old, live_at = now - DEAD_AFTER - timedelta(seconds=1), now - timedelta(seconds=30)
    dead = await lead_batch.claim(limit=1, at=old)  # its drain was killed: its slot lapsed
    live = await lead_batch.claim(limit=1, at=live_at)  # a slow drain, alive: its slot says so
    young = await lead_batch.claim(limit=1, at=now)  # just claimed: not judged yet
    await redis_client.set(SLOT_KEY.format(1), claim_stamp(live_at))
    assert await release_dead_batches(redis_client, now) == 1
    status = dict(await LeadEvent.all().values_list("id", "status"))
    assert status == {
        dead[0]["id"]: "pending",
        live[0]["id"]: "processing",
        young[0]["id"]: "processing",
    }
    await redis_client.delete(SLOT_KEY.format(1))  # that drain died too
    assert await release_dead_batches(redis_client, now) == 1
    assert (await LeadEvent.get(id=live[0]["id"])).status == "pending"


async def test_a_drain_names_its_batch_and_frees_its_slot(
    db: Settings, redis_client: aioredis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = await make_source()
    await pending(source, [{"name": "甲", "phone": "13900000001"}])
    named: list[bytes | None] = []
    claim = lead_batch.claim

    async def watched(limit: int | None = None, at: datetime | None = None) -> list[Any]:
        named.append(await redis_client.get(SLOT_KEY.format(0)))
        return await claim(limit, at)

    monkeypatch.setattr(lead_batch, "claim", watched)
    await drain_lead_events({"redis": redis_client})
    assert named[0] and named[0].isdigit()  # the slot names the claim before it is made
    assert await redis_client.get(SLOT_KEY.format(0)) is None
    assert (await LeadEvent.get()).status == "done"
