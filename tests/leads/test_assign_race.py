"""Holding caps under concurrency: two drains' batches at once (`assign_many`), and a pool claim
or a manager's hand-over meeting a drain's batch, never push a member past the cap."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter

import pytest
import redis.asyncio as aioredis

from scrm.infra import keys
from scrm.infra.settings import Settings
from scrm.models import (
    AssignmentRule,
    Corp,
    Customer,
    FollowRelation,
    Lead,
    LeadActivity,
    LeadSettings,
    Staff,
)
from scrm.services import assignment, pool, scoring
from tests.leads.conftest import AUTH, Linked

CAP = 3


@pytest.fixture
def slow_holdings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every holdings read takes a moment, wherever it is imported, so a writer that reads the
    counts outside the corp's assignment lock meets the other's write in between."""
    real = assignment.holdings

    async def slow(corp_id: int, userids: list[str]) -> dict[str, int]:
        counts = await real(corp_id, userids)
        await asyncio.sleep(0.05)
        return counts

    for name, module in list(sys.modules.items()):
        if name.startswith(("scrm.", "admin.")) and getattr(module, "holdings", None) is real:
            monkeypatch.setattr(module, "holdings", slow)


async def _corp() -> Corp:
    corp = await Corp.get()
    await LeadSettings.create(corp_id=corp.id, holding_cap=CAP)
    scoring.forget(corp.id)
    return corp


async def _open_by_owner() -> Counter[str]:
    rows = await Lead.filter(status__in=assignment.OPEN_STATUSES, merged_into_id=None)
    return Counter(x.owner_userid for x in rows if x.owner_userid)


async def test_two_drains_batches_at_once_never_push_a_member_past_the_cap(
    db: Settings, redis_client: aioredis.Redis, slow_holdings: None
) -> None:
    corp = await _corp()
    staff = await Staff.create(corp_id=corp.id, userid="a", name="甲")
    # Every way to "a": their served customers, a shared round robin, a rule of their own;
    # "b" also shares a weighted rule with "c".
    await AssignmentRule.create(
        corp_id=corp.id, name="上海", conditions={"city": ["上海"]}, members=["a", "b"], priority=1
    )
    await AssignmentRule.create(
        corp_id=corp.id, name="北京", conditions={"city": ["北京"]}, members=["a"], priority=2
    )
    await AssignmentRule.create(
        corp_id=corp.id,
        name="杭州",
        conditions={"city": ["杭州"]},
        members=["b", "c"],
        weights={"b": 3, "c": 1},
        strategy="weighted",
        priority=3,
    )
    leads = []
    for i in range(6):
        customer = await Customer.create(corp_id=corp.id, external_userid=f"wm{i}")
        await FollowRelation.create(corp_id=corp.id, staff=staff, customer=customer)
        leads.append(await Lead.create(corp_id=corp.id, name=f"客户{i}", customer=customer))
    for city in ("上海", "北京", "杭州"):
        leads += [
            await Lead.create(corp_id=corp.id, name=f"{city}{i}", city=city) for i in range(6)
        ]
    # Two drains, each with half of every kind of lead, assigning at the same time.
    await asyncio.gather(
        assignment.assign_many(leads[0::2], redis_client),
        assignment.assign_many(leads[1::2], redis_client),
    )
    held = await _open_by_owner()
    assert max(held.values()) <= CAP, held
    assert held["a"] == CAP  # wanted by far more leads than the cap: full, not over
    assigned = sum(held.values())
    assert await LeadActivity.filter(kind="assign").count() == assigned
    assert await Lead.filter(in_pool=True).count() == len(leads) - assigned
    assert await LeadActivity.filter(kind="to_pool").count() == len(leads) - assigned


async def _a_with_one_place_left(corp: Corp) -> tuple[Lead, list[Lead]]:
    """Member "a" holds CAP - 1 leads; one lead waits in the pool; a drain's batch of new
    leads that only "a" may take."""
    await AssignmentRule.create(corp_id=corp.id, name="全部", members=["a"])
    for i in range(CAP - 1):
        await Lead.create(corp_id=corp.id, name=f"已有{i}", owner_userid="a")
    pooled = await Lead.create(corp_id=corp.id, name="公海", in_pool=True)
    batch = [await Lead.create(corp_id=corp.id, name=f"新{i}") for i in range(3)]
    return pooled, batch


async def test_a_pool_claim_meeting_a_drain_takes_the_last_place_or_is_refused(
    db: Settings, redis_client: aioredis.Redis, slow_holdings: None
) -> None:
    corp = await _corp()
    pooled, batch = await _a_with_one_place_left(corp)
    drained, claimed = await asyncio.gather(
        assignment.assign_many(batch, redis_client),
        pool.claim(pooled, "a", redis_client),
        return_exceptions=True,
    )
    assert drained is None
    held = await _open_by_owner()
    assert held["a"] == CAP, held
    if isinstance(claimed, pool.ClaimRefused):  # the drain came first: the claim says why
        assert "holding cap" in str(claimed)
        assert (await Lead.get(id=pooled.id)).in_pool
    else:
        assert not isinstance(claimed, BaseException), claimed
        assert await Lead.filter(id__in=[x.id for x in batch], owner_userid="a").count() == 0


async def test_a_hand_over_meeting_a_drain_takes_the_last_place_or_is_refused(
    linked: Linked, slow_holdings: None
) -> None:
    corp = await _corp()
    await Staff.create(corp_id=corp.id, userid="a", name="甲")
    pooled, batch = await _a_with_one_place_left(corp)
    path = f"/api/v1/leads/{pooled.id}/assign"
    resp, _ = await asyncio.gather(
        linked.bot.request("POST", path, json={"userid": "a"}, headers=AUTH),
        assignment.assign_many(batch, linked.bot.app[keys.ARQ]),
    )
    held = await _open_by_owner()
    assert held["a"] == CAP, held
    if resp.status == 409:  # the drain came first
        assert "holding cap" in (await resp.json())["error"]
    else:
        assert resp.status == 200, await resp.text()
        assert await Lead.filter(id__in=[x.id for x in batch], owner_userid="a").count() == 0
