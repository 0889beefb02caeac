"""Predictive probability: naive Bayes over closed deals, checked against a hand computation."""

from __future__ import annotations

from scrm.models import Corp, Lead
from scrm.services import deals, prediction
from tests.leads.conftest import Linked


async def closed(corp: Corp, channel: str, won: bool, i: int) -> None:
    lead = await Lead.create(
        corp_id=corp.id, name=f"h{i}", channel=channel, platform="form", city="上海", grade="B"
    )
    opp = await deals.create(corp.id, name=f"o{i}", owner="zhangsan", lead=lead)
    stage = "Won" if won else "Lost"
    updates = {"amount": 1, "contract": f"HT-{i}"} if won else {"lost_reason": "price"}
    await deals.move(opp, stage, updates=updates)


async def test_prediction_follows_the_won_lost_history(linked: Linked) -> None:
    corp = await Corp.get()
    # 10 closed deals: 抖音 won 4 of 5, 官网 won 1 of 5; all 上海, grade B, platform form.
    for i, (channel, won) in enumerate(
        [("抖音", True)] * 4 + [("抖音", False)] + [("官网", True)] + [("官网", False)] * 4
    ):
        await closed(corp, channel, won, i)
    fresh = await linked.api(
        "POST",
        "/api/v1/leads",
        {"name": "新", "phone": "13800009999", "channel": "抖音"},
        status=201,
    )
    row = await Lead.get(id=fresh["id"])
    row.city, row.grade, row.platform = "上海", "B", "form"
    await row.save()
    detail = await linked.api("GET", f"/api/v1/leads/{fresh['id']}")
    # Hand computation, Laplace-smoothed: won 5, lost 5. channel: 抖音 4/5 won, 1/5 lost with
    # 2 values (+1) → (4+1)/(5+3) vs (1+1)/(5+3). platform/city/grade identical on both sides
    # and campaign "" identical too, so they cancel: P = 5/(5+2) = 0.7143.
    assert detail["predicted_probability"] == 0.7143
    prediction.forget(corp.id)
    table = await prediction.frequency_table(corp.id)
    assert prediction.predict({"channel": "官网"}, table) == 0.2857
    assert prediction.predict({"channel": "百度"}, table) == 0.5  # unseen: no evidence


async def test_no_prediction_without_enough_history(linked: Linked) -> None:
    lead = await linked.api("POST", "/api/v1/leads", {"name": "a", "phone": "13800000001"}, 201)
    assert (await linked.api("GET", f"/api/v1/leads/{lead['id']}"))[
        "predicted_probability"
    ] is None
