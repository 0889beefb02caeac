"""The funnel from the PostgreSQL roll-up equals the direct count after every kind of write."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tortoise import connections

from scrm.models import Corp, Lead, LeadSettings, Opportunity, Stage
from scrm.services import reports, scoring
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="the roll-up is PostgreSQL's")

T0 = datetime(2026, 11, 1, 16, 0, tzinfo=UTC)  # 2026-11-02 00:00 in Shanghai
CHANNELS = ("抖音", "官网", "小红书")
OWNERS = ("zhangsan", "lisi", "wangwu", "")


async def _corp() -> int:
    corp = await Corp.first()
    assert corp is not None
    return corp.id


async def _seed(corp_id: int, n: int = 120) -> tuple[list[Lead], Stage, Stage]:
    rng = random.Random(7)
    open_stage = await Stage.create(corp_id=corp_id, name="Discovery", sequence=10, probability=20)
    won_stage = await Stage.create(
        corp_id=corp_id, name="Won", sequence=60, probability=100, is_won=True
    )
    leads = [
        Lead(
            corp_id=corp_id,
            name=f"L{i}",
            channel=rng.choice(CHANNELS),
            campaign=f"c{rng.randrange(3)}",
            owner_userid=rng.choice(OWNERS),
            platform=rng.choice(("form", "douyin")),
            status=rng.choice(("new", "new", "mql", "sql", "lost")),
            score=rng.randrange(100),
            in_pool=rng.random() < 0.2,
            created_at=T0 + timedelta(hours=rng.randrange(0, 24 * 9), minutes=rng.randrange(60)),
        )
        for i in range(n)
    ]
    await Lead.bulk_create(leads)  # one INSERT statement: the trigger sees them all at once
    leads = await Lead.filter(corp_id=corp_id).order_by("id")
    for k, lead in enumerate(leads[::7]):
        stage = won_stage if k % 3 == 0 else open_stage
        await Opportunity.create(
            corp_id=corp_id, lead_id=lead.id, name=f"D{k}", owner_userid="zhangsan", stage=stage
        )
    return leads, open_stage, won_stage


WINDOWS = (
    (T0, T0 + timedelta(days=9)),  # whole days only
    (T0 + timedelta(hours=5), T0 + timedelta(days=6, hours=7)),  # cut mid-day at both ends
    (T0 + timedelta(hours=5, minutes=17), T0 + timedelta(days=6, hours=7, minutes=43)),
    (T0 + timedelta(days=2, hours=3), T0 + timedelta(days=2, hours=20)),  # inside one day
    (T0 + timedelta(days=2, minutes=1), T0 + timedelta(days=2, hours=1, minutes=59)),
    (T0 - timedelta(days=30), T0 + timedelta(days=30)),
)


async def _same(corp_id: int) -> None:
    """Every grouping, window and filter gives the direct query's rows."""
    filters: list[dict[str, Any]] = [
        {},
        {"owners": ["zhangsan", "lisi"]},
        {"owners": ["wangwu"], "pool": True},
        {"channel": "抖音"},
        {"owners": [], "channel": "官网"},
    ]
    for since, until in WINDOWS:
        for by in reports.GROUPS:
            for extra in filters:
                rolled = await reports.funnel(corp_id, by, since, until, **extra)
                direct = await reports.funnel(corp_id, by, since, until, direct=True, **extra)
                assert rolled == direct, (since, until, by, extra)


async def _rows(table: str = "funnel_day") -> list[tuple[Any, ...]]:
    conn = connections.get("default")
    at = "day" if table == "funnel_day" else "hour"
    _, rows = await conn.execute_query(
        f"SELECT corp_id, grain, {at}, channel, campaign, owner_userid, platform, in_pool, "
        f"leads, mql, sql_, opportunities, won FROM {table} WHERE leads <> 0 "
        "ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
    )
    return [tuple(r.values()) for r in rows]


async def _matches_rebuild(corp_id: int) -> None:
    """What the triggers kept equals a recount from scratch, at every grain (rows emptied by
    a write stay at zero until then: _rows leaves them out)."""
    kept, hours = await _rows(), await _rows("funnel_hour")
    assert all(r[8] > 0 for r in kept) and {r[1] for r in kept} == {0, 1, 2}
    assert all(r[8] > 0 for r in hours) and {r[1] for r in hours} == {1, 2}
    await connections.get("default").execute_query("SELECT funnel_day_rebuild($1)", [corp_id])
    assert await _rows() == kept
    assert await _rows("funnel_hour") == hours


@pytest.mark.usefixtures("db")
async def test_rollup_follows_lead_writes() -> None:
    corp_id = await _corp()
    leads, _, _ = await _seed(corp_id)
    assert len(await _rows()) > 20  # the whole days really come from the roll-up
    await _same(corp_id)
    await _matches_rebuild(corp_id)

    # Owner, status, score, pool and channel changes, one row and many rows per statement.
    a, b, c = leads[1], leads[2], leads[3]
    a.owner_userid = "wangwu"
    await a.save()
    b.status = "sql"
    b.score = 99
    await b.save()
    c.in_pool, c.owner_userid = True, ""
    await c.save()
    await Lead.filter(corp_id=corp_id, channel="小红书").update(channel="抖音", score=45)
    # Scores alone crossing the MQL threshold (40) both ways, as decay and new events do.
    await Lead.filter(corp_id=corp_id, status="new", score__lt=40).update(score=90)
    await Lead.filter(corp_id=corp_id, status="new", score__lt=90).update(score=10)
    await _same(corp_id)
    await Lead.filter(corp_id=corp_id, status="new").update(status="mql")
    # Touches and follow-up times move nothing the funnel counts.
    await Lead.filter(corp_id=corp_id).update(touches=3, last_activity_at=T0)
    await _same(corp_id)
    await _matches_rebuild(corp_id)

    # A merge: the duplicate stops counting; then deletes (one, and a batch).
    await Lead.filter(id=leads[4].id).update(merged_into_id=leads[5].id)
    await leads[6].delete()
    await Lead.filter(corp_id=corp_id, owner_userid="lisi", status="lost").delete()
    await _same(corp_id)
    await _matches_rebuild(corp_id)


@pytest.mark.usefixtures("db")
async def test_rollup_follows_opportunity_writes() -> None:
    corp_id = await _corp()
    leads, open_stage, won_stage = await _seed(corp_id)
    opp = await Opportunity.filter(corp_id=corp_id, stage_id=open_stage.id).first()
    assert opp is not None
    opp.stage = won_stage  # won
    await opp.save()
    await Opportunity.filter(corp_id=corp_id, stage_id=won_stage.id, id__gt=opp.id).update(
        stage_id=open_stage.id
    )  # many un-won at once
    moved = await Opportunity.filter(corp_id=corp_id).order_by("-id").first()
    assert moved is not None
    moved.lead_id = leads[2].id  # to another lead
    await moved.save()
    second = await Opportunity.create(  # a second opportunity on a lead that has one
        corp_id=corp_id, lead_id=leads[0].id, name="again", owner_userid="lisi", stage=won_stage
    )
    await _same(corp_id)
    await _matches_rebuild(corp_id)
    await second.delete()
    await Opportunity.filter(corp_id=corp_id, lead_id=leads[7].id).delete()
    await Opportunity.filter(corp_id=corp_id, id=opp.id).update(amount=5, next_step="call")
    await _same(corp_id)
    await _matches_rebuild(corp_id)


@pytest.mark.usefixtures("db")
async def test_rollup_recounts_on_threshold_zone_and_won_flag() -> None:
    corp_id = await _corp()
    _, open_stage, _ = await _seed(corp_id)
    await LeadSettings.create(corp_id=corp_id, mql_threshold=80)  # the default was 40
    scoring.forget(corp_id)  # the process cache, as saving the settings does
    await _same(corp_id)
    for zone in ("America/New_York", "UTC", "Asia/Kolkata"):  # days cut at other instants
        await Corp.filter(id=corp_id).update(timezone=zone)
        await _same(corp_id)
        await _matches_rebuild(corp_id)
    await Stage.filter(id=open_stage.id).update(is_won=True)
    await _same(corp_id)
    await _matches_rebuild(corp_id)
