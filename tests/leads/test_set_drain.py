"""The set-based drain: merges decided per batch, people held elsewhere wait, caps hold."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
import redis.asyncio as aioredis

from bot.jobs.leads import drain_lead_events
from scrm.infra.settings import Settings
from scrm.models import AssignmentRule, Lead, LeadActivity, LeadEvent, LeadSettings
from scrm.services import assignment, lead_batch, lead_merge, scoring
from scrm.services.leads import phone_index
from tests.leads.test_batch import make_source, pending


async def test_duplicates_inside_one_batch_make_one_lead(
    db: Settings, redis_client: aioredis.Redis
) -> None:
    source = await make_source()
    await pending(
        source,
        [
            {"name": "甲", "phone": "13900000001"},
            {"name": "甲2", "phone": "+86 139-0000-0001", "city": "杭州"},
            # Same person by unionid only, then a push naming both the phone and the unionid.
            {"name": "微信甲", "unionid": "oA"},
            {"phone": "0086 13900000001", "unionid": "oA"},
            {"name": "乙", "phone": "13900000002"},
        ],
    )
    counts = await drain_lead_events({"redis": redis_client})
    assert (counts["created"], counts["merged"]) == (3, 2)
    leads = {x.name: x for x in await Lead.filter(merged_into_id=None)}
    assert sorted(leads) == ["乙", "微信甲", "甲"]
    first = leads["甲"]
    # The first push names the lead; later ones fill the gaps (city) and the unionid push
    # that also names the phone joins the phone's lead.
    assert (first.touches, first.city, first.unionid, first.phone) == (
        3,
        "杭州",
        "oA",
        "13900000001",
    )
    assert leads["微信甲"].touches == 1
    kinds = Counter(await LeadActivity.filter(lead_id=first.id).values_list("kind", flat=True))
    assert (kinds["intake"], kinds["duplicate_intake"]) == (1, 2)
    # No rule gives a member: the pool place is written with the lead (no UPDATE after it).
    assert await Lead.filter(in_pool=True, owner_userid="").count() == 3
    assert await LeadActivity.filter(kind="to_pool").count() == 3
    events = await LeadEvent.all().order_by("id").values_list("status", "lead_id")
    assert [s for s, _ in events] == ["done"] * 5
    assert [lead for _, lead in events] == [first.id, first.id, leads["微信甲"].id, first.id,
                                            leads["乙"].id]  # fmt: skip


async def test_a_push_for_a_known_lead_updates_it_in_place(
    db: Settings, redis_client: aioredis.Redis
) -> None:
    source = await make_source()
    await pending(source, [{"name": "甲", "phone": "13900000001", "公司": "A"}])
    await drain_lead_events({"redis": redis_client})
    lead = await Lead.get()
    await LeadEvent.filter(id=1).update(message_id="done-1")
    await pending(
        source,
        [{"name": "另一个名字", "phone": "+86 13900000001", "city": "深圳", "公司": "B",
          "备用电话": "13700000009"}],
    )  # fmt: skip
    counts = await drain_lead_events({"redis": redis_client})
    assert (counts["created"], counts["merged"], counts["touched"]) == (0, 1, 1)
    again = await Lead.get()
    assert again.id == lead.id
    # The first source's values stay; what was empty is filled; a new number is kept.
    assert (again.name, again.city, again.touches) == ("甲", "深圳", 2)
    assert again.attributes["公司"] == "A" and again.other_phones == '["13700000009"]'
    assert again.phone == "13900000001" and again.last_activity_at is not None
    assert await LeadEvent.filter(status="done", lead_id=lead.id).count() == 2


async def test_a_person_another_drain_holds_waits_in_the_queue(
    db: Settings, redis_client: aioredis.Redis
) -> None:
    source = await make_source()
    await pending(
        source, [{"name": "甲", "phone": "13900000001"}, {"name": "乙", "phone": "13900000002"}]
    )
    held = phone_index("13900000001")
    assert held is not None
    name = lead_merge.lock_name(source.corp_id, held)  # type: ignore[attr-defined]
    await redis_client.set(name, "other drain")
    events = await lead_batch.claim()
    counts = await lead_batch.ingest_batch(events, redis_client)
    assert (counts["created"], counts["deferred"]) == (1, 1)
    statuses = dict(await LeadEvent.all().values_list("message_id", "status"))
    assert statuses == {"m0": "pending", "m1": "done"}  # left, not waited on
    assert await redis_client.get(name) == b"other drain"  # never taken from its holder
    assert [x.name for x in await Lead.all()] == ["乙"]
    await redis_client.delete(name)
    await drain_lead_events({"redis": redis_client})
    assert sorted(await Lead.all().values_list("name", flat=True)) == ["乙", "甲"]
    assert await LeadEvent.filter(status="done").count() == 2
    assert await redis_client.keys("lead:person:*") == []  # every lock released


def test_people_groups_join_pushes_through_shared_keys() -> None:
    from scrm.services.lead_platforms import LeadFields

    def push(n: int, index: str | None, unionid: str = "") -> lead_merge.Push:
        return lead_merge.Push({"id": n}, LeadFields(unionid=unionid), index)

    groups = lead_merge.people(
        [push(1, "A"), push(2, None, "u"), push(3, "B"), push(4, "A", "u"), push(5, "C", "v")]
    )
    assert sorted(sorted(p.event["id"] for p in g) for g in groups) == [[1, 2, 4], [3], [5]]


@pytest.mark.parametrize("strategy", ["round_robin", "least_loaded"])
async def test_two_drains_never_push_a_member_over_the_holding_cap(
    db: Settings, redis_client: aioredis.Redis, strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = assignment.holdings

    async def slow_holdings(corp_id: int, userids: list[str]) -> dict[str, int]:
        counts = await real(corp_id, userids)
        await asyncio.sleep(0.05)  # the other drain reads the same counts meanwhile, unless locked
        return counts

    monkeypatch.setattr(assignment, "holdings", slow_holdings)
    source = await make_source()
    corp_id = source.corp_id  # type: ignore[attr-defined]
    await LeadSettings.create(corp_id=corp_id, holding_cap=4)
    await AssignmentRule.create(
        corp_id=corp_id, name="销售", members=["a", "b"], strategy=strategy
    )
    scoring.forget(corp_id)
    await pending(source, [{"name": f"P{i}", "phone": f"139000001{i:02d}"} for i in range(30)])
    original = lead_batch.BATCH
    lead_batch.BATCH = 3  # many small batches from both drains, interleaved
    try:
        await asyncio.gather(
            drain_lead_events({"redis": redis_client}), drain_lead_events({"redis": redis_client})
        )
    finally:
        lead_batch.BATCH = original
    owners = Counter(await Lead.all().values_list("owner_userid", flat=True))
    assert owners == {"a": 4, "b": 4, "": 22}
    assert await Lead.filter(in_pool=True).count() == 22
    assert await LeadActivity.filter(kind="assign").count() == 8
    assert await LeadActivity.filter(kind="to_pool").count() == 22
