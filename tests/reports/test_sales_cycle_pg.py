"""The sales cycle's one-join path on PostgreSQL gives the spans the deal-then-lead path gives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scrm.models import Opportunity
from scrm.services import reports_pg, reports_sales
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
