"""PostgreSQL report paths in SQL (sales-cycle spans, activity per week) match the Python ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scrm.models import FollowUp, Opportunity, Task
from scrm.services import reports_pg, reports_sales
from scrm.services.reports_activity import week_of
from scrm.services.reports_common import Scope, days
from tests.conftest import BACKEND
from tests.reports.test_funnel_rollup import T0, _corp, _seed

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="the join is PostgreSQL's")


@pytest.mark.usefixtures("db")
async def test_won_spans_match_the_orm_path() -> None:
    corp_id = await _corp()
    leads, _, won_stage = await _seed(corp_id)
    k = 0
    for opp in await Opportunity.filter(corp_id=corp_id, stage_id=won_stage.id):
        k += 1  # closed at odd instants, one without a lead, one outside the window
        opp.closed_at = T0 + timedelta(days=3 + k, hours=k, seconds=k * 37)
        opp.created_at = T0 + timedelta(hours=k)
        opp.owner_userid = ("zhangsan", "lisi")[k % 2]
        opp.lead_id = None if k == 2 else opp.lead_id
        await opp.save()
    assert k >= 4
    for extra in ({}, {"owners": ["lisi"]}, {"channel": "抖音"}, {"owners": []}):
        scope = Scope(corp_id, T0, T0 + timedelta(days=3 + k - 1), **extra)  # type: ignore[arg-type]
        won = await reports_sales.won_deals(scope)
        expected = {
            "lead_to_won": [days(r["lead_created_at"], r["closed_at"]) for r in won
                            if r["lead_created_at"]],
            "opportunity_to_won": [days(r["created_at"], r["closed_at"]) for r in won],
        }  # fmt: skip
        got = await reports_pg.won_spans(scope)
        assert {key: sorted(v) for key, v in got.items()} == {
            key: sorted(v) for key, v in expected.items()
        }, extra
        assert extra or len(got["opportunity_to_won"]) == k - 2 > len(got["lead_to_won"])


@pytest.mark.usefixtures("db")
async def test_week_counts_cut_weeks_in_the_corps_zone() -> None:
    corp_id = await _corp()
    # Sunday 2026-11-08 23:30 in Shanghai is 15:30 UTC; an hour later it is Monday there.
    sunday = datetime(2026, 11, 8, 15, 30, tzinfo=UTC)
    instants = [sunday, sunday + timedelta(hours=1), sunday + timedelta(days=3)]
    for k, at in enumerate(instants):
        await FollowUp.create(corp_id=corp_id, userid=("zhangsan", "lisi")[k % 2], note="n", at=at)
        await Task.create(corp_id=corp_id, title="t", assignee="zhangsan", done_at=at)
    for tz in ("Asia/Shanghai", "UTC", "America/New_York"):
        for owners in (None, ["lisi"], []):
            scope = Scope(corp_id, sunday - timedelta(days=1), sunday + timedelta(days=7),
                          owners=owners, tz=tz)  # fmt: skip
            follow = await reports_pg.week_counts("follow_up", scope)
            tasks = await reports_pg.week_counts("task", scope)
            expected: dict[tuple[str, str], int] = {}
            for k, at in enumerate(instants):
                who = ("zhangsan", "lisi")[k % 2]
                if scope.sees(who):
                    key = (who, week_of(at, scope))
                    expected[key] = expected.get(key, 0) + 1
            assert {(w, wk): n for w, wk, n in follow} == expected, (tz, owners)
            assert sum(n for _, _, n in tasks) == (3 if scope.sees("zhangsan") else 0)
    shanghai = Scope(corp_id, sunday - timedelta(days=1), sunday + timedelta(days=7))
    weeks = sorted(wk for _, wk, _ in await reports_pg.week_counts("task", shanghai))
    assert weeks == ["2026-W45", "2026-W46"]
