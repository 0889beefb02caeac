"""The demo's month of data: every stage holds a deal, quotes wait for approval, some leads
are in the pool, and customers stand part-way through a journey."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bot.demo_month import seed_deals, seed_journey, seed_leads
from scrm.models import Corp, Customer, JourneyRun, Opportunity, Quote, StageChange
from scrm.services import deals
from tests.livecode.conftest import Linked


async def test_no_page_opens_empty(linked: Linked) -> None:
    corp = await Corp.get()
    for i in range(12):
        await Customer.create(corp_id=corp.id, external_userid=f"wmDemo{i}", name=f"客户{i}")
    now = datetime.now(UTC)
    leads = await seed_leads(corp, random.Random(1), now)
    assert sum(x.in_pool for x in leads) == 3 and all(x.phone_index for x in leads)
    await seed_deals(corp, leads, now)
    stages = await deals.ensure_stages(corp.id)
    held = {await deals.stage_name(o) for o in await Opportunity.filter(corp_id=corp.id)}
    assert held == {s.name for s in stages}
    assert await Quote.filter(corp_id=corp.id, status="pending_approval").count() >= 2
    # History spread over the month, not all today.
    days = {c.at.date() for c in await StageChange.filter(corp_id=corp.id)}
    assert len(days) >= 10
    assert await seed_journey(corp, leads, now) == 9
    nodes = set(await JourneyRun.filter(corp_id=corp.id).values_list("node_id", flat=True))
    assert len(nodes) >= 4  # customers at different points of the journey
