"""Deal pipeline: stage gates, approval tiers, contracts and payments, reports by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.models import Lead
from scrm.services.quotes import QuoteLine, level_for, price
from tests.leads.conftest import Linked

QUALIFY = {"next_step": "约演示", "next_step_date": "2026-12-01", "decision_maker": "王总"}


async def opp(linked: Linked, **body: Any) -> dict[str, Any]:
    base = {"name": "年度订阅", "owner_userid": "zhangsan", "amount": 1_000_000}
    return dict(await linked.api("POST", "/api/v1/opportunities", {**base, **body}, status=201))


async def test_stage_gates_name_missing_fields_and_set_probability(linked: Linked) -> None:
    o = await opp(linked)
    assert (o["stage"], o["probability"], o["forecast_category"]) == (
        "Qualification",
        10,
        "pipeline",
    )
    gate = await linked.api(
        "POST", f"/api/v1/opportunities/{o['id']}/stage", {"stage": "Discovery"}, status=422
    )
    assert gate["error"] == (
        "Discovery needs: next_step, next_step_date, pain_points, purchase_process"
    )
    moved = await linked.api(
        "POST",
        f"/api/v1/opportunities/{o['id']}/stage",
        {
            "stage": "Negotiation",
            "updates": {**QUALIFY, "contract_version": "v2", "legal_status": "审核中"},
        },
    )
    assert (moved["stage"], moved["probability"], moved["forecast_category"]) == (
        "Negotiation",
        80,
        "commit",
    )
    bad = await linked.api(
        "POST",
        f"/api/v1/opportunities/{o['id']}/stage",
        {"stage": "Lost", "updates": {"lost_reason": "太贵"}},
        status=422,
    )
    assert "lost_reason must be one of" in bad["error"]
    lost = await linked.api(
        "POST",
        f"/api/v1/opportunities/{o['id']}/stage",
        {"stage": "Lost", "updates": {"lost_reason": "price"}},
    )
    assert (lost["probability"], lost["forecast_category"]) == (0, "omitted")
    closed = await linked.api(
        "POST", f"/api/v1/opportunities/{o['id']}/stage", {"stage": "Discovery"}, status=422
    )
    assert "closed" in closed["error"]


def test_pricing_is_integer_money_and_tiers_follow_the_seeds() -> None:
    lines = [
        QuoteLine(product="座席", quantity=3, unit_price=33_333, discount_bp=1000),
        QuoteLine(product="实施", quantity=1, unit_price=50_000),
    ]
    # 99 999 × 0.9 = 89 999.1 → 89 999; + 50 000 = 139 999; header 5 % → 132 999.05 → 132 999
    assert price(lines, 500) == (149_999, 132_999, 1133)  # 11.33 % off the list price
    assert [level_for(b) for b in (0, 1000, 1001, 2000, 2001)] == [
        "self",
        "self",
        "manager",
        "manager",
        "director",
    ]


async def test_quote_approval_contract_payments(linked: Linked) -> None:
    o = await opp(linked)
    url = f"/api/v1/opportunities/{o['id']}/quotes"
    line = {"product": "年费", "quantity": 1, "unit_price": 1_000_000}
    small = await linked.api(
        "POST", url, {"lines": [line], "discount_bp": 500, "requested_by": "zhangsan"}, status=201
    )
    assert (small["approval_level"], small["status"]) == ("self", "approved")
    big = await linked.api(
        "POST", url, {"lines": [line], "discount_bp": 2500, "requested_by": "zhangsan"}, status=201
    )
    assert (big["approval_level"], big["status"], big["total"]) == (
        "director",
        "pending_approval",
        750_000,
    )
    decide = f"/api/v1/quotes/{big['id']}/decision"
    refused = await linked.api(
        "POST", decide, {"approver": "lisi", "role": "manager", "approve": True}, status=409
    )
    assert "needs a director" in refused["error"]
    ok = await linked.api(
        "POST", decide, {"approver": "boss", "role": "director", "approve": True}
    )
    assert ok["status"] == "approved"
    contract = await linked.api(
        "POST", "/api/v1/contracts", {"quote_id": big["id"], "number": "HT-001"}, status=201
    )
    won = await linked.api("GET", "/api/v1/reports/win-loss")
    assert (won["won"], won["lost"]) == (1, 0)
    pay = f"/api/v1/contracts/{contract['id']}/payments"
    first = await linked.api("POST", pay, {"amount": 500_000, "reference": "BANK-1"})
    again = await linked.api("POST", pay, {"amount": 500_000, "reference": "BANK-1"})
    assert first["id"] == again["id"] and first["contract_status"] == "signed"
    over = await linked.api("POST", pay, {"amount": 300_000, "reference": "BANK-2"}, status=409)
    assert "exceed" in over["error"]
    last = await linked.api("POST", pay, {"amount": 250_000, "reference": "BANK-3"})
    assert last["contract_status"] == "paid"


async def test_reports_match_hand_computed_numbers(linked: Linked) -> None:
    await linked.api("PUT", "/api/v1/lead-settings", {"sla_minutes": 5})
    made = []
    for i, (channel, campaign) in enumerate(
        [
            ("抖音", "春季"),
            ("抖音", "春季"),
            ("抖音", "春季"),
            ("官网", "官网自然"),
            ("官网", "官网自然"),
        ]
    ):
        made.append(
            await linked.api(
                "POST",
                "/api/v1/leads",
                {
                    "name": f"客户{i}",
                    "phone": f"1310000000{i}",
                    "channel": channel,
                    "campaign": campaign,
                },
                status=201,
            )
        )
    # Hand-set statuses: lead 1 SQL, lead 2 MQL, lead 4 SQL; leads 1 and 4 become deals.
    for index, status in ((0, "sql"), (1, "mql"), (3, "sql")):
        lead = await Lead.get(id=made[index]["id"])
        lead.status = status
        await lead.save()
    a = await opp(linked, lead_id=made[0]["id"], amount=400_000)
    b = await opp(linked, lead_id=made[3]["id"], amount=600_000)
    line = {"product": "年费", "quantity": 1, "unit_price": 400_000}
    q = await linked.api("POST", f"/api/v1/opportunities/{a['id']}/quotes", {"lines": [line]}, 201)
    c = await linked.api("POST", "/api/v1/contracts", {"quote_id": q["id"], "number": "HT-9"}, 201)
    await linked.api(
        "POST", f"/api/v1/contracts/{c['id']}/payments", {"amount": 400_000, "reference": "R1"}
    )
    await linked.api(
        "POST",
        f"/api/v1/opportunities/{b['id']}/stage",
        {"stage": "Lost", "updates": {"lost_reason": "competitor"}},
    )
    await linked.api(
        "POST",
        "/api/v1/campaigns",
        {"name": "春季", "channel": "抖音", "cost": 100_000},
        status=201,
    )

    funnel = {
        r["channel"]: r for r in await linked.api("GET", "/api/v1/reports/funnel?by=channel")
    }
    assert {k: funnel["抖音"][k] for k in ("leads", "mql", "sql", "opportunities", "won")} == {
        "leads": 3,
        "mql": 2,
        "sql": 1,
        "opportunities": 1,
        "won": 1,
    }
    assert (funnel["抖音"]["mql_rate"], funnel["抖音"]["overall"]) == (0.6667, 0.3333)
    assert {k: funnel["官网"][k] for k in ("leads", "mql", "sql", "opportunities", "won")} == {
        "leads": 2,
        "mql": 1,
        "sql": 1,
        "opportunities": 1,
        "won": 0,
    }
    roi = await linked.api("GET", "/api/v1/reports/roi")
    assert roi == [
        {
            "campaign": "春季",
            "channel": "抖音",
            "cost": 100_000,
            "revenue": 400_000,
            "leads": 3,
            "roi": 3.0,
        }
    ]
    losses = await linked.api("GET", "/api/v1/reports/win-loss")
    assert losses == {"won": 1, "lost": 1, "win_rate": 0.5, "lost_reasons": {"competitor": 1}}
    pipe = await linked.api("GET", "/api/v1/reports/pipeline")
    won_stage = next(s for s in pipe["stages"] if s["stage"] == "Won")
    assert (won_stage["count"], won_stage["amount"], won_stage["weighted"]) == (
        1,
        400_000,
        400_000,
    )
    assert pipe["forecast"] == {"closed": 400_000, "omitted": 600_000}

    # SLA: two assigned leads, one answered in 3 minutes, one in 9 → 50 %.
    now = datetime.now(UTC)
    for lead, minutes in (
        (await Lead.get(id=made[0]["id"]), 3),
        (await Lead.get(id=made[1]["id"]), 9),
    ):
        lead.assigned_at, lead.first_response_at = now, now + timedelta(minutes=minutes)
        await lead.save()
    sla = await linked.api("GET", "/api/v1/reports/sla")
    assert (sla["assigned"], sla["met"], sla["attainment"]) == (2, 1, 0.5)
