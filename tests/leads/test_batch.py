"""Batch intake: claims never overlap, people merge across and within batches, bad rows end."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis

from bot.jobs.leads import drain_lead_events
from scrm.infra.settings import Settings
from scrm.models import Corp, Lead, LeadActivity, LeadEvent, LeadSource
from scrm.services import lead_batch
from scrm.services.lead_drain import sweep_lead_events


async def pending(source: LeadSource, bodies: list[dict[str, object]]) -> None:
    for i, body in enumerate(bodies):
        await LeadEvent.create(
            corp_id=source.corp_id,
            source_id=source.id,
            platform="form",  # type: ignore[attr-defined]
            message_id=f"m{i}",
            body=json.dumps(body, ensure_ascii=False),
        )


async def make_source() -> LeadSource:
    corp = await Corp.get()
    return await LeadSource.create(
        corp_id=corp.id, platform="form", key="k", secret="s" * 8, channel="官网"
    )


async def test_concurrent_drains_merge_each_person_once(
    db: Settings, redis_client: aioredis.Redis
) -> None:
    source = await make_source()
    people = [f"1390000{i:04d}" for i in range(40)]
    # Every person three times, with different formats, shuffled across the claim order.
    bodies = [
        {"name": f"P{n}", "phone": p if r % 2 == 0 else f"+86 {p}"}
        for r in range(3)
        for n, p in enumerate(people)
    ]
    bodies.append({"name": "微信用户", "unionid": "oU1"})
    bodies.append({"name": "同一微信", "unionid": "oU1", "city": "深圳"})
    bodies.append({"name": "只有名字"})  # no phone, no unionid: ignored
    await pending(source, bodies)
    ctx = {"redis": redis_client}
    original = lead_batch.BATCH
    lead_batch.BATCH = 17  # many small batches, so the two drains interleave
    try:
        await asyncio.gather(drain_lead_events(ctx), drain_lead_events(ctx))
    finally:
        lead_batch.BATCH = original
    leads = await Lead.filter(merged_into_id=None)
    assert len(leads) == 41
    by_phone = {x.phone: x for x in leads if x.phone}
    assert all(by_phone[p].touches == 3 for p in people)
    wechat = next(x for x in leads if x.unionid == "oU1")
    assert (wechat.touches, wechat.name, wechat.city) == (2, "微信用户", "深圳")
    statuses = await LeadEvent.all().values_list("status", flat=True)
    assert sorted(set(statuses)) == ["done", "ignored"]
    intakes = await LeadActivity.filter(kind="intake").count()
    assert intakes == 41 and await LeadActivity.filter(kind="duplicate_intake").count() == 81
    assert await LeadEvent.filter(status="done", lead_id=None).count() == 0


async def test_stuck_processing_rows_are_released_by_the_sweeper(
    db: Settings, redis_client: aioredis.Redis
) -> None:
    source = await make_source()
    await pending(source, [{"name": "x", "phone": "13700000001"}])
    claimed = await lead_batch.claim()
    assert [c["id"] for c in claimed] == [1] and await lead_batch.claim() == []  # never twice
    old = datetime.now(UTC) - timedelta(minutes=10)
    await LeadEvent.filter(id=1).update(updated_at=old)
    from bot.app import make_arq

    arq = make_arq(db)
    try:
        assert await sweep_lead_events(arq) == 1
    finally:
        await arq.aclose()
    assert (await LeadEvent.get(id=1)).status == "pending"
