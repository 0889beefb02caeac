"""Group SOP targets by our own group tags, and groups that come to match by a rename."""

from __future__ import annotations

from scrm.models import GroupChat, SopRun
from tests.sop.conftest import Linked
from tests.sop.test_execution import STEP, groups


async def test_tagging_a_group_plans_its_runs_and_untagging_drops_them(linked: Linked) -> None:
    vip, other = await groups(linked, "zhangsan", 2)
    body = {"name": "高价值群", "target": {"tags": ["高价值"]}, "steps": [STEP]}
    plan = await linked.api("POST", "/api/v1/sop-plans", body, status=201)
    assert plan["planned_runs"] == 0  # nothing carries the tag yet
    tagged = await linked.api(
        "PUT", f"/api/v1/groups/{vip}/tags", {"tags": [" 高价值 ", "高价值"]}
    )
    assert tagged["tags"] == ["高价值"] and tagged["runs_planned"] == 1
    assert await SopRun.filter(plan_id=plan["id"]).values_list("target_id", flat=True) == [vip]
    listed = await linked.api("GET", "/api/v1/groups?tag=高价值")
    assert [g["chat_id"] for g in listed["items"]] == [vip]
    assert {g["chat_id"] for g in (await linked.api("GET", "/api/v1/groups"))["items"]} == {
        vip,
        other,
    }
    await linked.api("PUT", f"/api/v1/groups/{vip}/tags", {"tags": []})
    assert await SopRun.filter(plan_id=plan["id"]).count() == 0  # future runs dropped


async def test_group_tag_input_is_checked(linked: Linked) -> None:
    (chat,) = await groups(linked, "zhangsan", 1)
    bad = await linked.api("PUT", f"/api/v1/groups/{chat}/tags", {"tags": ["x" * 31]}, status=422)
    assert "at most 30 characters" in str(bad)
    await linked.api("PUT", "/api/v1/groups/wrnope/tags", {"tags": ["a"]}, status=404)
    await linked.api("GET", "/api/v1/groups?status=gone", status=422)
    empty = await linked.api(
        "POST",
        "/api/v1/sop-plans",
        {"name": "x", "target": {"tags": []}, "steps": [STEP]},
        status=422,
    )
    assert "target is empty" in str(empty)


async def test_a_renamed_group_joins_the_plan_its_new_name_matches(linked: Linked) -> None:
    (chat,) = await groups(linked, "zhangsan", 1)
    await linked.sandbox.control(f"groups/{chat}/rename", {"name": "普通群"})
    await linked.drain()
    body = {"name": "VIP 群", "target": {"name_pattern": "VIP*"}, "steps": [STEP]}
    plan = await linked.api("POST", "/api/v1/sop-plans", body, status=201)
    assert plan["planned_runs"] == 0
    await linked.sandbox.control(f"groups/{chat}/rename", {"name": "VIP 客户群", "owner": "lisi"})
    await linked.drain()
    row = await GroupChat.get(chat_id=chat)
    assert (row.name, row.owner_userid) == ("VIP 客户群", "lisi")
    runs = await SopRun.filter(plan_id=plan["id"]).values_list("target_id", "owner_userid")
    assert list(runs) == [(chat, "lisi")]


async def test_a_group_handed_over_has_its_future_runs_sent_by_the_new_owner(
    linked: Linked,
) -> None:
    (chat,) = await groups(linked, "zhangsan", 1)
    body = {"name": "VIP", "target": {"name_pattern": "VIP*"}, "steps": [STEP]}
    plan = await linked.api("POST", "/api/v1/sop-plans", body, status=201)
    assert await SopRun.filter(plan_id=plan["id"]).values_list("owner_userid", flat=True) == [
        "zhangsan"
    ]
    await linked.sandbox.control(f"groups/{chat}/rename", {"owner": "lisi"})
    await linked.drain()
    assert await SopRun.filter(plan_id=plan["id"]).values_list("owner_userid", flat=True) == [
        "lisi"
    ]
