"""Variables in SOP and journey texts: filled per owner, group or customer, typos refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scrm.models import JourneyRun, Staff
from scrm.sop import execute, journeys
from tests.livecode.test_api import SPEC
from tests.sop.conftest import Linked
from tests.sop.test_execution import STEP, clients, due_of, groups


async def texts(linked: Linked) -> list[str]:
    return sorted(m["data"]["text"] for m in await linked.sandbox.records("mass_message"))


async def test_group_texts_name_the_owner_date_and_group(linked: Linked) -> None:
    first, second = await groups(linked, "zhangsan", 2)
    await Staff.filter(userid="zhangsan").update(name="张三")
    step = {**STEP, "text": "{群主}：{日期}{星期}，欢迎来到{群名}！"}
    plan = await linked.api(
        "POST",
        "/api/v1/sop-plans",
        {"name": "欢迎", "target": {"owners": ["zhangsan"]}, "steps": [step]},
        status=201,
    )
    due = await due_of(plan["id"])
    runs = await execute.claim_due(due + timedelta(seconds=1))
    assert await execute.fire(runs, clients(linked), due) == 2
    local = due.astimezone(ZoneInfo("Asia/Shanghai"))
    day = f"{local.month}月{local.day}日星期{'一二三四五六日'[local.weekday()]}"
    # {群名} makes one task per group (a task has one text for all its groups).
    assert await texts(linked) == [
        f"张三：{day}，欢迎来到VIPzhangsan0！",
        f"张三：{day}，欢迎来到VIPzhangsan1！",
    ]


async def test_unknown_variables_are_refused_with_the_known_ones(linked: Linked) -> None:
    bad = await linked.api(
        "POST",
        "/api/v1/sop-plans",
        {"name": "x", "target": {"owners": ["a"]}, "steps": [{**STEP, "text": "{群号}"}]},
        status=422,
    )
    assert "unknown variable {群号}" in str(bad) and "{群主}" in str(bad)
    plain = {**STEP, "id": "p", "text": 'JSON 例子 {"a": 1} 不是变量'}
    await linked.api(
        "POST",
        "/api/v1/sop-plans",
        {"name": "y", "target": {"owners": ["a"]}, "steps": [plain]},
        status=201,
    )
    node = {"id": "s", "kind": "send", "text": "{群主}好"}
    bad = await linked.api(
        "POST",
        "/api/v1/journeys",
        {"name": "j", "trigger": {"kind": "livecode_add"}, "nodes": [node]},
        status=422,
    )
    assert "unknown variable {群主}" in str(bad)


async def test_journey_texts_name_each_customer_in_a_task_of_their_own(linked: Linked) -> None:
    node = {"id": "s", "kind": "send", "text": "{客户昵称}您好，我是{员工姓名}"}
    body: dict[str, Any] = {"name": "j", "trigger": {"kind": "livecode_add"}, "nodes": [node]}
    body |= {"per_day_cap": 5, "per_week_cap": 5, "quiet_start": "00:00", "quiet_end": "00:00"}
    await linked.api("POST", "/api/v1/journeys", body, status=201)
    code = await linked.api("POST", "/api/v1/livecodes", {**SPEC, "strategy": "native"}, 201)
    for name in ("王小明", "李小红"):
        await linked.sandbox.control("scan", {"config_id": code["config_id"], "name": name})
    await linked.drain()
    await Staff.all().update(name="顾问")
    due = (await JourneyRun.all().order_by("due_at").first()).due_at  # type: ignore[union-attr]
    await journeys.run_due(clients(linked), due + timedelta(seconds=1))
    assert await texts(linked) == ["李小红您好，我是顾问", "王小明您好，我是顾问"]
