"""Customer journeys against the sandbox: trigger, wait, send under caps and quiet hours,
branch, tag, task, exit when the customer leaves, and plans refused with reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from scrm.infra import keys
from scrm.models import JourneyLog, JourneyRun, Lead, Task
from scrm.sop import journeys
from scrm.sop.journey_schema import JourneySpec
from tests.livecode.test_api import SPEC
from tests.sop.conftest import Linked

NOON = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def clients(linked: Linked) -> Any:
    return linked.bot.app[keys.CLIENTS].for_corp


async def journey(linked: Linked, **extra: Any) -> dict[str, Any]:
    body = {
        "name": "新客七天",
        "trigger": {"kind": "livecode_add"},
        "nodes": [
            {"id": "w1", "kind": "wait", "minutes": 60, "next": "s1"},
            {"id": "s1", "kind": "send", "text": "您好，这是新人资料", "next": "b1"},
            {
                "id": "b1",
                "kind": "branch",
                "if_grades": ["A", "S"],
                "next": "t1",
                "otherwise": "s2",
            },
            {"id": "t1", "kind": "task", "title": "电话跟进高意向客户"},
            {"id": "s2", "kind": "send", "text": "第二次问候", "next": "r1"},
            {"id": "r1", "kind": "remind", "text": "记得回访"},
        ],
        **extra,
    }
    return dict(await linked.api("POST", "/api/v1/journeys", body, status=201))


async def scan_add(linked: Linked) -> dict[str, Any]:
    code = await linked.api("POST", "/api/v1/livecodes", {**SPEC, "strategy": "native"}, 201)
    scan = await linked.sandbox.control("scan", {"config_id": code["config_id"], "name": "旅程客"})
    await linked.drain()
    return dict(scan)


async def walk(linked: Linked, until: datetime, step: timedelta = timedelta(minutes=1)) -> None:
    t = NOON
    while t <= until:
        await journeys.run_due(clients(linked), t)
        t += step


async def test_a_scan_starts_the_journey_and_caps_hold_the_second_send(linked: Linked) -> None:
    j = await journey(linked)
    scan = await scan_add(linked)
    run = await JourneyRun.get(external_userid=scan["external_userid"])
    await JourneyRun.filter(id=run.id).update(due_at=NOON)
    await walk(linked, NOON + timedelta(hours=2))
    sends = [m["data"] for m in await linked.sandbox.records("mass_message")]
    assert [s["text"] for s in sends] == ["您好，这是新人资料"]  # the 2nd send hit the daily cap
    assert sends[0]["targets"] == {scan["userid"]: [scan["external_userid"]]}
    actions = await JourneyLog.filter(run_id=run.id).values_list("node_id", "action")
    assert list(actions) == [
        ("s1", "sent"),
        ("b1", "branch"),
        ("s2", "capped"),
        ("r1", "reminded"),
    ]
    await run.refresh_from_db()
    assert run.status == "done"
    stats = await linked.api("GET", f"/api/v1/journeys/{j['id']}/stats")
    assert stats["runs"] == {"done": 1} and stats["nodes"]["s2"] == {"capped": 1}


async def test_branch_by_grade_makes_a_task_and_quiet_hours_delay_sends(linked: Linked) -> None:
    await journey(linked, quiet_start="11:30", quiet_end="13:00")
    scan = await scan_add(linked)
    await Lead.filter(external_userid=scan["external_userid"]).update(grade="A")
    run = await JourneyRun.get(external_userid=scan["external_userid"])
    await JourneyRun.filter(id=run.id).update(node_id="s1", due_at=NOON)
    await journeys.run_due(clients(linked), NOON)
    await run.refresh_from_db()
    assert run.node_id == "s1" and run.due_at == datetime(2026, 11, 27, 5, 0, tzinfo=UTC)  # 13:00
    await walk(linked, NOON + timedelta(hours=2))
    assert (
        await Task.filter(
            title="电话跟进高意向客户", external_userid=scan["external_userid"]
        ).count()
        == 1
    )


async def test_customer_leaving_ends_the_journey(linked: Linked) -> None:
    await journey(linked)
    scan = await scan_add(linked)
    await linked.sandbox.control(
        "customer_deletes_staff",
        {"userid": scan["userid"], "external_userid": scan["external_userid"]},
    )
    await linked.drain()
    # The run was entered at the real clock's time: make it due at the test's NOON.
    await JourneyRun.filter(external_userid=scan["external_userid"]).update(due_at=NOON)
    await walk(linked, NOON + timedelta(hours=2))
    run = await JourneyRun.get(external_userid=scan["external_userid"])
    assert run.status == "exited" and await linked.sandbox.records("mass_message") == []


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        (
            [
                {"id": "a", "kind": "wait", "minutes": 5, "next": "b"},
                {"id": "b", "kind": "wait", "minutes": 5, "next": "a"},
            ],
            "loop: a → b → a",
        ),
        ([{"id": "a", "kind": "send", "next": "zz", "text": "x"}], "unknown node 'zz'"),
        ([{"id": "a", "kind": "send"}], "needs text"),
        ([{"id": "a", "kind": "branch", "next": "a"}], "if_tag, if_grades or if_activity"),
    ],
)
def test_bad_journeys_are_refused(nodes: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        JourneySpec.model_validate(
            {"name": "x", "trigger": {"kind": "livecode_add"}, "nodes": nodes}
        )


async def test_tag_and_stage_triggers_start_journeys(linked: Linked) -> None:
    from scrm.models import Corp, Customer
    from scrm.services import deals
    from wecom.client.models.tags import AddCorpTag, NewTag

    added = await linked.client.add_corp_tag(
        AddCorpTag(group_name="意向", tag=[NewTag(name="高")])
    )
    tag_id = added.tag_group.tag[0].id
    one = [{"id": "r", "kind": "remind", "text": "跟进"}]
    await linked.api(
        "POST",
        "/api/v1/journeys",
        {"name": "打标后", "nodes": one, "trigger": {"kind": "tag_added", "tag_ids": [tag_id]}},
        status=201,
    )
    await linked.api(
        "POST",
        "/api/v1/journeys",
        {
            "name": "谈判中",
            "nodes": one,
            "trigger": {"kind": "stage_changed", "stages": ["Negotiation"]},
        },
        status=201,
    )
    code = await linked.api(
        "POST", "/api/v1/livecodes", {**SPEC, "strategy": "native", "tag_ids": [tag_id]}, 201
    )
    scan = await linked.sandbox.control("scan", {"config_id": code["config_id"]})
    await linked.drain()
    ext = scan["external_userid"]
    assert await JourneyRun.filter(external_userid=ext, journey__name="打标后").count() == 1
    corp = await Corp.get()
    lead = await Lead.get(external_userid=ext)
    opp = await deals.create(corp.id, name="d", owner=scan["userid"], lead=lead)
    assert opp.customer_id_ref == (await Customer.get(external_userid=ext)).id
    await deals.move(
        opp,
        "Negotiation",
        updates={
            "next_step": "x",
            "next_step_date": "2026-12-01",
            "contract_version": "v1",
            "legal_status": "ok",
        },
    )
    assert await JourneyRun.filter(external_userid=ext, journey__name="谈判中").count() == 1
    bad = await linked.api(
        "POST",
        "/api/v1/journeys",
        {"name": "x", "nodes": one, "trigger": {"kind": "tag_added"}},
        status=422,
    )
    assert "needs tag_ids" in bad["details"][0]["msg"]


async def test_birthday_trigger_webhook_node_and_wecoms_monthly_limit(linked: Linked) -> None:
    import hashlib
    import hmac
    import json

    import aiohttp
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from scrm.infra.settings import override_settings
    from scrm.models import JourneyLog
    from scrm.sop import journey_dates

    got: list[tuple[bytes, str]] = []

    async def hook(request: web.Request) -> web.Response:
        got.append((await request.read(), request.headers["X-Signature"]))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = TestServer(app)
    await server.start_server()
    # A hook on loopback is refused unless the allow-list names it (tests/security covers that).
    override_settings(linked.settings.model_copy(update={"fetch_allow_hosts": server.host}))
    nodes = [
        {
            "id": "h",
            "kind": "webhook",
            "url": str(server.make_url("/hook")),
            "secret": "k",
            "next": "s",
        },
        {"id": "s", "kind": "send", "text": "生日快乐"},
    ]
    j = await linked.api(
        "POST",
        "/api/v1/journeys",
        {
            "name": "生日前三天",
            "nodes": nodes,
            "per_day_cap": 5,
            "per_week_cap": 50,
            "trigger": {"kind": "date", "date_field": "birthday", "days_before": 3},
        },
        status=201,
    )
    scan = await scan_add(linked)
    ext = scan["external_userid"]
    lead = await Lead.get(external_userid=ext)
    lead.attributes = {"birthday": "1990-11-30"}
    await lead.save()
    # 2026-11-27 12:00 Shanghai: the birthday (11-30) is three days away.
    assert await journey_dates.enroll_due(NOON) == 1
    assert await journey_dates.enroll_due(NOON) == 0  # entered once
    run = await JourneyRun.get(external_userid=ext, journey_id=j["id"])
    # Pretend this customer already got November's 30 mass messages (WeCom's monthly limit).
    for i in range(30):
        await JourneyLog.create(
            corp_id=run.corp_id,
            run_id=run.id,
            external_userid=ext,  # type: ignore[attr-defined]
            node_id="x",
            action="sent",
            at=NOON - timedelta(days=8, minutes=i),
        )
    async with aiohttp.ClientSession() as http:
        await journeys.run_due(clients(linked), NOON, http=http)
        await journeys.run_due(clients(linked), NOON, http=http)
    await server.close()
    body, sig = got[0]
    assert json.loads(body)["external_userid"] == ext
    assert sig == hmac.new(b"k", body, hashlib.sha256).hexdigest()
    last = await JourneyLog.filter(run_id=run.id, node_id="s").first()
    assert last is not None and last.action == "capped" and last.data["wecom_limit"] == 30
    assert await linked.sandbox.records("mass_message") == []


async def test_preview_lists_what_each_customer_will_get_with_branch_conditions(
    linked: Linked,
) -> None:
    j = await journey(linked)
    scan = await scan_add(linked)
    got = await linked.api("GET", f"/api/v1/journeys/{j['id']}/preview?days=2")
    (entry,) = got
    assert entry["external_userid"] == scan["external_userid"]
    steps = [(x["node"], x["condition"]) for x in entry["upcoming"]]
    # wait 60 min, send s1, then the branch: t1 if the grade is A/S, else s2 then r1.
    assert steps == [
        ("s1", ""),
        ("t1", "grade in ['A', 'S']"),
        ("s2", "not grade in ['A', 'S']"),
        ("r1", "not grade in ['A', 'S']"),
    ]
    first_send = datetime.fromisoformat(entry["upcoming"][0]["at"])
    run = await JourneyRun.get(external_userid=scan["external_userid"])
    assert first_send - run.due_at == timedelta(minutes=60)


async def test_a_worker_killed_mid_node_loses_no_customer(linked: Linked) -> None:
    await journey(linked)
    scan = await scan_add(linked)
    run = await JourneyRun.get(external_userid=scan["external_userid"])
    await JourneyRun.filter(id=run.id).update(node_id="s1", due_at=NOON)
    assert await journeys.claim(NOON) == [run.id]  # claimed… and the worker dies here
    assert await journeys.claim(NOON) == []  # nobody else takes it meanwhile
    later = NOON + journeys.STUCK + timedelta(minutes=1)
    await journeys.run_due(clients(linked), later)
    await run.refresh_from_db()
    assert run.node_id != "s1"  # the node ran after all
    assert [m["data"]["text"] for m in await linked.sandbox.records("mass_message")] == [
        "您好，这是新人资料"
    ]
