"""Segments: every condition kind, data scope, the sender rule, and the API's bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrm.enums import RelationStatus
from scrm.models import Customer, FollowRelation, GroupChat, GroupMember, Lead, Staff
from scrm.services import segments
from scrm.services.segment_rules import Conditions
from tests.campaigns.helpers import HIGH, customers
from tests.livecode.conftest import Linked


async def count(corp_id: int, scope: list[str] | None = None, **cond: object) -> set[str]:
    match = await segments.evaluate(corp_id, Conditions.model_validate(cond), scope)
    return set(match.external.values())


async def test_conditions_scope_and_sender_rule(linked: Linked) -> None:
    exts = await customers(linked, 6, tagged=3)
    corp_id = (await Customer.get(external_userid=exts[0])).corp_id  # type: ignore[attr-defined]
    await FollowRelation.filter(customer__external_userid=exts[1]).update(tag_ids=[HIGH, "et_vip"])
    assert await count(corp_id, tags={"mode": "any", "ids": [HIGH]}) == set(exts[:3])
    assert await count(corp_id, tags={"mode": "all", "ids": [HIGH, "et_vip"]}) == {exts[1]}
    assert await count(corp_id, tags={"mode": "none", "ids": [HIGH]}) == set(exts[3:])
    zs = {
        e
        for e in exts
        if await FollowRelation.filter(
            customer__external_userid=e, staff__userid="zhangsan"
        ).exists()
    }
    assert len(zs) == 3
    assert await count(corp_id, scope=["zhangsan"]) == zs  # scope: zhangsan's only
    assert await count(corp_id, owners=["zhangsan"]) == zs
    await Staff.filter(userid="lisi").update(department_ids=[7])
    assert await count(corp_id, departments=[7]) == set(exts) - zs
    state = (await FollowRelation.filter(customer__external_userid=exts[0]).first()).state  # type: ignore[union-attr]
    assert state and await count(corp_id, channels=[state]) == set(exts)
    assert await count(corp_id, channels=["no-such"]) == set()
    old = datetime.now(UTC) - timedelta(days=40)
    await FollowRelation.filter(customer__external_userid=exts[5]).update(added_at=old)
    recent = (datetime.now(UTC) - timedelta(days=30)).date()
    assert await count(corp_id, added_from=recent.isoformat()) == set(exts[:5])
    assert await count(corp_id, added_to=(old + timedelta(days=1)).date().isoformat()) == {exts[5]}
    await Lead.filter(external_userid=exts[2]).update(grade="A", status="mql")
    assert await count(corp_id, grades=["A"]) == {exts[2]}
    assert await count(corp_id, statuses=["mql"]) == {exts[2]}
    # The sandbox gives each customer a gender, filled in after the add: set a known one.
    await Customer.filter(external_userid__in=exts).update(gender=1)
    await Customer.filter(external_userid=exts[3]).update(gender=2, phone_index="x" * 64)
    assert await count(corp_id, gender=2) == {exts[3]}
    assert await count(corp_id, has_phone=True) == {exts[3]}
    assert len(await count(corp_id, has_phone=False)) == 5
    await Customer.filter(external_userid__in=exts).update(last_activity_at=old)
    await Customer.filter(external_userid=exts[4]).update(last_activity_at=datetime.now(UTC))
    assert await count(corp_id, active_within_days=7) == {exts[4]}
    assert await count(corp_id, inactive_for_days=30) == set(exts) - {exts[4]}
    chat = await GroupChat.create(
        corp_id=corp_id, chat_id="wr1", name="VIP群", owner_userid="lisi"
    )
    await GroupMember.create(corp_id=corp_id, chat=chat, member_id=exts[0])
    assert await count(corp_id, in_groups=["wr1"]) == {exts[0]}
    assert await count(corp_id, in_any_group=False) == set(exts[1:])
    # Several members follow one customer: the lead's owner sends; else the latest to add.
    ext = exts[0]
    cust = await Customer.get(external_userid=ext)
    first = await FollowRelation.get(customer_id=cust.id)
    other = "lisi" if first.staff_id != (await Staff.get(userid="lisi")).id else "zhangsan"  # type: ignore[attr-defined]
    await FollowRelation.create(
        corp_id=corp_id,
        staff=await Staff.get(userid=other),
        customer=cust,
        status=RelationStatus.ACTIVE,
        added_at=datetime.now(UTC) + timedelta(minutes=1),
    )
    match = await segments.evaluate(corp_id, Conditions(), None)
    assert match.count == 6  # one customer, one task, however many follow them
    lead = await Lead.get(external_userid=ext)
    assert match.sender[cust.id] == lead.owner_userid != other
    await Lead.filter(id=lead.id).update(owner_userid="")
    match = await segments.evaluate(corp_id, Conditions(), None)
    assert match.sender[cust.id] == other  # added most recently


async def test_segment_api_bounds_and_preview(linked: Linked) -> None:
    await customers(linked, 2, tagged=1)
    bad = [
        {"name": "", "conditions": {}},
        {"name": "x" * 65, "conditions": {}},
        {"name": "x", "conditions": {"gender": 5}},
        {"name": "x", "conditions": {"tags": {"mode": "some", "ids": []}}},
        {"name": "x", "conditions": {"owners": ["u"] * 501}},
        {"name": "x", "conditions": {"added_from": "2026-02-01", "added_to": "2026-01-01"}},
        {"name": "x", "conditions": {"unknown": 1}},
        {"name": "x", "conditions": {"added_from": "0001-01-01"}},
        {"name": "x", "conditions": {"departments": [2**63]}},
        {"name": "x", "conditions": {"tags": {"ids": ["t" * 65]}}},
    ]
    for body in bad:
        await linked.api("POST", "/api/v1/segments", body, 422)
    got = await linked.api("POST", "/api/v1/segments/preview", {"tags": {"ids": [HIGH]}})
    assert got["count"] == 1 and len(got["preview"]) == 1
    seg = await linked.api("POST", "/api/v1/segments", {"name": "全部", "conditions": {}}, 201)
    assert [s["count"] for s in await linked.api("GET", "/api/v1/segments")] == [2]
    await linked.api(
        "PUT",
        f"/api/v1/segments/{seg['id']}",
        {"name": "高", "conditions": {"tags": {"ids": [HIGH]}}},
    )
    assert (await linked.api("GET", f"/api/v1/segments/{seg['id']}"))["count"] == 1
    await linked.api("GET", "/api/v1/segments/999999", status=404)
    await linked.api("DELETE", f"/api/v1/segments/{seg['id']}")
    await linked.api("GET", f"/api/v1/segments/{seg['id']}", status=404)


async def test_a_journey_starts_for_customers_entering_a_segment(linked: Linked) -> None:
    from scrm.models import JourneyRun
    from scrm.sop import journey_dates

    exts = await customers(linked, 4, tagged=2)
    seg = await linked.api(
        "POST", "/api/v1/segments",
        {"name": "高意向", "conditions": {"tags": {"ids": [HIGH]}}}, 201,
    )  # fmt: skip
    body = {
        "name": "高意向培育",
        "trigger": {"kind": "segment", "segment_id": seg["id"]},
        "nodes": [{"id": "s", "kind": "send", "text": "专属优惠"}],
    }
    await linked.api("POST", "/api/v1/journeys", {**body, "trigger": {"kind": "segment"}}, 422)
    bad = {**body, "trigger": {"kind": "segment", "segment_id": 999}}
    await linked.api("POST", "/api/v1/journeys", bad, 422)
    await linked.api("POST", "/api/v1/journeys", body, 201)
    assert await journey_dates.enroll_due() == 2
    runs = dict(await JourneyRun.all().values_list("external_userid", "owner_userid"))
    assert set(runs) == set(exts[:2])
    # Another customer enters the segment: the next sweep enrols them, and only them.
    await FollowRelation.filter(customer__external_userid=exts[2]).update(tag_ids=[HIGH])
    assert await journey_dates.enroll_due() == 1
    assert await journey_dates.enroll_due() == 0
