"""The pickers' search API: names by what people type, each caller only their own scope, ids
resolved back to names, bounded input, and the ops-only kinds refused to staff."""

from __future__ import annotations

from scrm.models import Corp, Customer, Department, FollowRelation, Lead, Staff, Tag, TagGroup
from tests.leads.test_access_and_work import call, token
from tests.livecode.conftest import AUTH, Linked


async def _seed(corp: Corp) -> None:
    staff = {s.userid: s for s in await Staff.filter(corp_id=corp.id)}
    for i, userid in enumerate(("zhangsan", "lisi")):
        staff[userid].department_ids = [7] if i == 0 else [7, 9]
        await staff[userid].save()
    group = await TagGroup.create(corp_id=corp.id, group_id="g1", name="意向")
    await Tag.create(corp_id=corp.id, tag_id="etHIGH", group=group, name="高意向")
    await Tag.create(corp_id=corp.id, tag_id="etLOW", group=group, name="低意向")
    mine = await Customer.create(corp_id=corp.id, external_userid="wmMine", name="王小明")
    other = await Customer.create(corp_id=corp.id, external_userid="wmOther", name="")
    await FollowRelation.create(corp_id=corp.id, staff=staff["zhangsan"], customer=mine)
    await FollowRelation.create(
        corp_id=corp.id, staff=staff["lisi"], customer=other, remark="王总（备注）"
    )


async def test_names_by_search_and_scope_by_role(linked: Linked) -> None:
    corp = await Corp.get()
    await _seed(corp)
    await linked.api(
        "POST", "/api/v1/assignment-rules", {"name": "all", "members": ["zhangsan", "lisi"]},
        status=201,
    )  # fmt: skip
    for name, phone in (("王大锤", "13800138001"), ("李四海", "13800138002")):
        await linked.api("POST", "/api/v1/leads", {"name": name, "phone": phone}, status=201)

    tags = await linked.api("GET", "/api/v1/pickers/tags?q=高")
    assert tags == [{"id": "etHIGH", "label": "高意向", "hint": "意向"}]
    named = await linked.api("GET", "/api/v1/pickers/tags?ids=etLOW,etNONE")
    assert [t["label"] for t in named] == ["低意向"]

    # Customers: by name, or by a member's remark when WeCom gave no name (display_names).
    found = await linked.api("GET", "/api/v1/pickers/customers?q=王")
    assert {c["label"] for c in found} == {"王小明", "王总（备注）"}

    # A phone finds its lead through the blind index; the phone is shown masked only.
    by_phone = await linked.api("GET", "/api/v1/pickers/leads?q=13800138002")
    assert [(x["label"], x["hint"].split(" · ")[0]) for x in by_phone] == [
        ("李四海", "138****8002")
    ]
    assert "13800138002" not in str(by_phone)

    # Departments by their synced names; one nobody named yet is 「部门 9」; members as hint.
    await Department.create(corp_id=corp.id, dept_id=7, name="广州研发中心")
    await Department.create(corp_id=corp.id, dept_id=11, name="空部门")
    depts = await linked.api("GET", "/api/v1/pickers/departments")
    assert [(d["id"], d["label"]) for d in depts] == [
        ("7", "广州研发中心"), ("9", "部门 9"), ("11", "空部门")
    ]  # fmt: skip
    assert depts[0]["hint"].startswith("2 名成员：") and "张三" in depts[0]["hint"]
    assert depts[2]["hint"] == "0 名成员"
    by_name = await linked.api("GET", "/api/v1/pickers/departments?q=研发")
    by_member = await linked.api("GET", "/api/v1/pickers/departments?q=李四")
    assert [d["id"] for d in by_name] == ["7"] and [d["id"] for d in by_member] == ["7", "9"]
    named = await linked.api("GET", "/api/v1/pickers/departments?ids=11,9,12,x")
    assert [d["label"] for d in named] == ["部门 9", "空部门", "部门 12"]

    # Staff see their own customers and leads, none of anyone else's; no ops-only kinds.
    zs = await token(linked, "staff", "zhangsan")
    status, mine = await call(linked, "GET", "/api/v1/pickers/customers?q=王", zs)
    assert status == 200 and [c["id"] for c in mine] == ["wmMine"]
    status, leads = await call(linked, "GET", "/api/v1/pickers/leads", zs)
    owners = {x.id: x.owner_userid for x in await Lead.all()}
    assert leads and all(owners[int(x["id"])] == "zhangsan" for x in leads)
    status, members = await call(linked, "GET", "/api/v1/pickers/members", zs)
    assert [m["id"] for m in members] == ["zhangsan"]
    for kind in ("departments", "livecodes"):
        status, _ = await call(linked, "GET", f"/api/v1/pickers/{kind}", zs)
        assert status == 403, kind


async def test_bounded_input_and_documented_answers(linked: Linked) -> None:
    for path, status in (
        ("/api/v1/pickers/nothing", 404),
        ("/api/v1/pickers/tags?q=" + "x" * 65, 422),
        ("/api/v1/pickers/tags?ids=" + ",".join(["a"] * 101), 422),
        ("/api/v1/pickers/tags?limit=abc", 422),
    ):
        resp = await linked.bot.get(path, headers=AUTH)
        assert resp.status == status, path
    resp = await linked.bot.get("/api/v1/pickers/members?limit=1", headers=AUTH)
    assert len(await resp.json()) == 1
    doc = await (await linked.bot.get("/api/openapi.json", headers=AUTH)).json()
    answers = doc["paths"]["/api/v1/pickers/{kind}"]["get"]["responses"]
    assert {"200", "403", "404", "422"} <= set(answers)
