# ruff: noqa: F401, F811  (the `linked` fixture is imported, then requested by name)
"""Finding 9: a write that names another record (a lead, an opportunity, a customer) needs
that record to exist and be the caller's; another staff member's, or none, is a 404."""

from __future__ import annotations

from datetime import UTC, datetime

from scrm.models import FollowUp, Lead, Opportunity, Task
from scrm.services import contacts
from tests.security._authz_helpers import AUTH, Linked, bearer, call, home_corp, linked


async def _world() -> dict[str, int]:
    corp = await home_corp()
    now = datetime.now(UTC)
    await contacts.record_add(corp, "lisi", "wmLisi", at=now)
    await contacts.record_add(corp, "zhangsan", "wmZhang", at=now)
    lisi_lead = await Lead.create(corp_id=corp.id, name="李的线索", owner_userid="lisi")
    mine = await Lead.create(corp_id=corp.id, name="张的线索", owner_userid="zhangsan")
    pool = await Lead.create(corp_id=corp.id, name="公海", owner_userid="", in_pool=True)
    opp = await Opportunity.create(
        corp_id=corp.id, name="李的商机", owner_userid="lisi", stage_id=await _stage(corp.id)
    )
    return {"lisi_lead": lisi_lead.id, "mine": mine.id, "pool": pool.id, "lisi_opp": opp.id}


async def _stage(corp_id: int) -> int:
    from scrm.services import deals

    return (await deals.ensure_stages(corp_id))[0].id


async def test_staff_cannot_convert_or_attach_to_other_staffs_records(linked: Linked) -> None:
    ids = await _world()
    zs = await bearer(await home_corp(), "staff", "zhangsan")
    opp = {"name": "抢单", "owner_userid": "zhangsan"}
    for lead_id, want in ((ids["lisi_lead"], 404), (999_999, 404), (ids["pool"], 409)):
        status, body = await call(
            linked, "POST", "/api/v1/opportunities", zs, {**opp, "lead_id": lead_id}
        )
        assert status == want, (lead_id, body)
    assert (await Lead.get(id=ids["lisi_lead"])).status == "new"  # not converted
    task = {"title": "跟进", "assignee": "zhangsan"}
    note = {"userid": "zhangsan", "note": "记一笔"}
    for extra in (
        {"lead_id": ids["lisi_lead"]},
        {"lead_id": 999_999},
        {"opportunity_id": ids["lisi_opp"]},
        {"opportunity_id": 999_999},
        {"external_userid": "wmLisi"},
        {"external_userid": "wmNobody"},
    ):
        assert (await call(linked, "POST", "/api/v1/tasks", zs, {**task, **extra}))[0] == 404, (
            extra
        )
        if "lead_id" not in extra:
            status, _ = await call(linked, "POST", "/api/v1/followups", zs, {**note, **extra})
            assert status == 404, extra
    assert not await Task.exists() and not await FollowUp.exists()
    # Their own records they may name; a userid that is no member is refused.
    status, made = await call(
        linked, "POST", "/api/v1/opportunities", zs, {**opp, "lead_id": ids["mine"]}
    )
    assert status == 201 and (await Lead.get(id=ids["mine"])).status == "converted"
    mine = {"lead_id": ids["mine"], "opportunity_id": made["id"], "external_userid": "wmZhang"}
    assert (await call(linked, "POST", "/api/v1/tasks", zs, {**task, **mine}))[0] == 201
    status, _ = await call(
        linked, "POST", "/api/v1/followups", zs, {**note, "opportunity_id": made["id"]}
    )
    assert status == 201
    ghost = {"title": "t", "assignee": "ghost"}
    assert (await call(linked, "POST", "/api/v1/tasks", AUTH, ghost))[0] == 422
    # An admin (the bootstrap token here) may name anyone's records, but not absent ones.
    status, _ = await call(
        linked, "POST", "/api/v1/tasks", AUTH, {**task, "lead_id": ids["lisi_lead"]}
    )
    assert status == 201
    status, _ = await call(linked, "POST", "/api/v1/tasks", AUTH, {**task, "lead_id": 999_999})
    assert status == 404
