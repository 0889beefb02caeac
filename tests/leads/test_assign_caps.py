"""Holding caps hold when single assignments run at once: a served customer's lead and two rules
sharing a member go through one lock per corp, not one per rule (or none)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
import redis.asyncio as aioredis

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
from scrm.services import assignment, scoring


@pytest.fixture
def slow_holdings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each holdings read takes a moment, so concurrent assignments read the same counts
    unless a lock keeps them apart until the owner is written."""
    real = assignment.holdings

    async def slow(corp_id: int, userids: list[str]) -> dict[str, int]:
        counts = await real(corp_id, userids)
        await asyncio.sleep(0.05)
        return counts

    monkeypatch.setattr(assignment, "holdings", slow)


async def _corp_with_cap(cap: int) -> Corp:
    corp = await Corp.get()
    await LeadSettings.create(corp_id=corp.id, holding_cap=cap)
    scoring.forget(corp.id)
    return corp


async def test_served_customers_leads_at_once_stop_at_their_members_cap(
    db: Settings, redis_client: aioredis.Redis, slow_holdings: None
) -> None:
    corp = await _corp_with_cap(3)
    staff = await Staff.create(corp_id=corp.id, userid="zhangsan", name="张三")
    leads = []
    for i in range(6):
        customer = await Customer.create(corp_id=corp.id, external_userid=f"wm{i}")
        await FollowRelation.create(corp_id=corp.id, staff=staff, customer=customer)
        leads.append(await Lead.create(corp_id=corp.id, name=f"客户{i}", customer=customer))
    owners = await asyncio.gather(*(assignment.assign(x, redis_client) for x in leads))
    assert Counter(owners) == {"zhangsan": 3, None: 3}  # no rule: past the cap, the pool
    stored = Counter(await Lead.all().values_list("owner_userid", flat=True))
    assert stored == {"zhangsan": 3, "": 3}
    assert await LeadActivity.filter(kind="assign").count() == 3
    assert await LeadActivity.filter(kind="to_pool").count() == 3


async def test_two_rules_sharing_a_member_never_push_them_past_the_cap(
    db: Settings, redis_client: aioredis.Redis, slow_holdings: None
) -> None:
    corp = await _corp_with_cap(1)
    # Leads from 上海 and 北京 match different rules; both rules give them to "a".
    await AssignmentRule.create(
        corp_id=corp.id, name="上海", conditions={"city": ["上海"]}, members=["a"], priority=1
    )
    await AssignmentRule.create(
        corp_id=corp.id, name="北京", conditions={"city": ["北京"]}, members=["a"], priority=2
    )
    leads = [
        await Lead.create(corp_id=corp.id, name=f"L{i}", city="上海" if i % 2 else "北京")
        for i in range(6)
    ]
    owners = await asyncio.gather(*(assignment.assign(x, redis_client) for x in leads))
    assert Counter(owners) == {"a": 1, None: 5}
    assert await Lead.filter(owner_userid="a").count() == 1
    assert await Lead.filter(in_pool=True).count() == 5
