"""Scoring with caps and decay, grades and MQL/SQL; assignment rules; pool, claims, recycling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.models import Lead, LeadActivity
from scrm.services import assignment, leads, pool
from tests.leads.conftest import Linked

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


async def rules(linked: Linked, *items: dict[str, Any]) -> None:
    for item in items:
        await linked.api("POST", "/api/v1/scoring-rules", item, status=201)


async def new_lead(linked: Linked, **body: Any) -> dict[str, Any]:
    return dict(await linked.api("POST", "/api/v1/leads", body, status=201))


async def test_scoring_caps_decay_grades_and_status(linked: Linked) -> None:
    await rules(
        linked,
        {
            "name": "活动报名",
            "kind": "attribute",
            "field": "channel",
            "op": "eq",
            "value": "event",
            "points": 8,
        },
        {
            "name": "行业",
            "kind": "attribute",
            "field": "industry",
            "op": "in",
            "value": ["教育", "医疗"],
            "points": 20,
        },
        {
            "name": "看资料",
            "kind": "behaviour",
            "field": "content_viewed",
            "op": "event",
            "points": 1,
            "cap": 3,
        },
        {
            "name": "约演示",
            "kind": "behaviour",
            "field": "demo_requested",
            "op": "event",
            "points": 20,
        },
        {
            "name": "退订",
            "kind": "behaviour",
            "field": "unsubscribed",
            "op": "event",
            "points": -20,
        },
    )
    lead = await new_lead(
        linked, name="甲", phone="13900000001", channel="event", attributes={"industry": "教育"}
    )
    assert (lead["score"], lead["grade"], lead["status"]) == (28, "D", "new")
    for _ in range(5):  # capped at 3 points however often
        lead = await linked.api(
            "POST", f"/api/v1/leads/{lead['id']}/activities", {"event": "content_viewed"}
        )
    assert lead["score"] == 31
    lead = await linked.api(
        "POST", f"/api/v1/leads/{lead['id']}/activities", {"event": "demo_requested"}
    )
    assert (lead["score"], lead["grade"], lead["status"]) == (51, "B", "mql")  # ≥ 40: MQL

    # Three idle weeks: behaviour points (23) lose 20 % per 7 days → 23 × 0.8³ ≈ 12.
    row = await Lead.get(id=lead["id"])
    row.last_activity_at = T0
    await row.save()
    from scrm.services import scoring

    settings = await scoring.settings_for(row.corp_id)  # type: ignore[attr-defined]
    scoring.recompute(row, settings, decay_to=T0 + timedelta(days=21, hours=1))
    assert (row.behaviour_score, row.score, row.status) == (12, 40, "mql")  # status never drops
    bad = await linked.api(
        "POST",
        "/api/v1/scoring-rules",
        {"name": "x", "kind": "behaviour", "field": "f", "op": "eq", "points": 1},
        status=422,
    )
    assert "event" in bad["details"][0]["msg"]


async def test_round_robin_continues_across_batches_and_caps_hold(linked: Linked) -> None:
    await linked.api("PUT", "/api/v1/lead-settings", {"holding_cap": 2})
    await linked.api(
        "POST",
        "/api/v1/assignment-rules",
        {
            "name": "上海",
            "priority": 1,
            "conditions": {"city": ["上海"]},
            "members": ["zhangsan", "lisi", "wangwu"],
        },
        status=201,
    )
    owners = [
        (await new_lead(linked, name=f"L{i}", phone=f"1370000000{i}", city="上海"))["owner_userid"]
        for i in range(2)
    ]
    owners += [
        (await new_lead(linked, name=f"M{i}", phone=f"1370000001{i}", city="上海"))["owner_userid"]
        for i in range(3)
    ]
    # Batch 1 gave zhangsan, lisi; batch 2 starts at wangwu, then zhangsan, lisi.
    assert owners == ["zhangsan", "lisi", "wangwu", "zhangsan", "lisi"]
    sixth = await new_lead(linked, name="N", phone="13700000099", city="上海")
    assert sixth["owner_userid"] == "wangwu"  # the only one below the cap of 2
    seventh = await new_lead(linked, name="O", phone="13700000098", city="上海")
    assert seventh["in_pool"] and seventh["owner_userid"] == ""  # everyone at cap → pool
    elsewhere = await new_lead(linked, name="P", phone="13700000097", city="北京")
    assert elsewhere["in_pool"]  # no rule matched


async def test_pool_claims_recycling_and_warnings(linked: Linked) -> None:
    await linked.api(
        "PUT",
        "/api/v1/lead-settings",
        {"claim_daily_limit": 1, "recycle_days": {"A": 3, "B": 10, "C": 10, "D": 10}},
    )
    a = await new_lead(linked, name="池1", phone="13600000001")
    b = await new_lead(linked, name="池2", phone="13600000002")
    assert a["in_pool"] and b["in_pool"]
    got = await linked.api("POST", f"/api/v1/leads/{a['id']}/claim", {"userid": "lisi"})
    assert got["owner_userid"] == "lisi" and not got["in_pool"]
    refused = await linked.api(
        "POST", f"/api/v1/leads/{b['id']}/claim", {"userid": "lisi"}, status=409
    )
    assert "daily claim limit" in refused["error"]
    taken = await linked.api(
        "POST", f"/api/v1/leads/{a['id']}/claim", {"userid": "wangwu"}, status=409
    )
    assert "not in the pool" in taken["error"]

    row = await Lead.get(id=a["id"])  # grade D: 10 days without follow-up
    row.assigned_at = T0
    await row.save()
    corp = row.corp_id  # type: ignore[attr-defined]
    warned = await pool.due_warnings(corp, T0 + timedelta(days=9, hours=1))
    assert list(warned) == ["lisi"]
    assert await pool.due_warnings(corp, T0 + timedelta(days=9, hours=2)) == {}  # once
    assert await pool.recycle(corp, T0 + timedelta(days=9, hours=23)) == []
    await leads.record_followup(row, "lisi", "电话沟通", at=T0 + timedelta(days=9, hours=23))
    assert await pool.recycle(corp, T0 + timedelta(days=10, hours=1)) == []  # follow-up resets
    assert await pool.recycle(corp, T0 + timedelta(days=20)) == [row.id]
    await row.refresh_from_db()
    assert row.in_pool and row.owner_userid == ""
    kinds = await LeadActivity.filter(lead_id=row.id).values_list("kind", flat=True)
    assert [k for k in kinds if k in ("to_pool", "claim", "followup", "recycle")] == [
        "to_pool",
        "claim",
        "followup",
        "recycle",
    ]


async def test_manual_merge_and_unmerge_keep_history(linked: Linked) -> None:
    a = await new_lead(linked, name="", phone="13500000001", city="杭州")
    b = await new_lead(linked, name="赵雷", phone="13500000002", attributes={"job": "经理"})
    merged = await linked.api("POST", f"/api/v1/leads/{a['id']}/merge", {"other_id": b["id"]})
    assert (merged["name"], merged["touches"], merged["attributes"]["job"]) == ("赵雷", 2, "经理")
    listed = await linked.api("GET", "/api/v1/leads")
    assert [x["id"] for x in listed] == [a["id"]]  # the merged one is hidden
    await linked.api("POST", f"/api/v1/leads/{b['id']}/unmerge")
    back = await linked.api("GET", f"/api/v1/leads/{a['id']}")
    assert (back["name"], back["touches"], back["attributes"]) == ("", 1, {})
    assert [t["kind"] for t in back["timeline"]][-2:] == ["merge", "unmerge"]


async def test_own_customer_lead_stays_with_the_owner(linked: Linked) -> None:
    from scrm import vault
    from scrm.models import Corp, Customer
    from scrm.services import contacts

    corp = await Corp.get()
    await contacts.record_add(corp, "wangwu", "wmOwn", at=T0)
    customer = await Customer.get(external_userid="wmOwn")
    customer.phone = "13300000001"
    customer.phone_index = vault.current().blind_index("13300000001")
    await customer.save()
    await linked.api(
        "POST", "/api/v1/assignment-rules", {"name": "all", "members": ["zhangsan"]}, status=201
    )
    lead = await new_lead(linked, name="老客户", phone="133-0000-0001")
    assert lead["owner_userid"] == "wangwu" and lead["customer_id"] == customer.id
    row = await Lead.get(id=lead["id"])
    assert await assignment.holdings(corp.id, ["wangwu"]) == {"wangwu": 1}
    assert row.owner_userid == "wangwu"
