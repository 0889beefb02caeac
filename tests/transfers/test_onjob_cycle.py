"""在职转接 end to end: screened, started in WeCom, one refused, the rest done — and only
those move their owner, open leads, opportunities, tasks and journey places."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrm.enums import RelationStatus
from scrm.models import (
    FollowRelation,
    Handover,
    Journey,
    JourneyRun,
    Lead,
    LeadActivity,
    Opportunity,
    Stage,
    Task,
)
from scrm.services import contacts, transfer_track, transfers
from tests.transfers.conftest import DAY, Linked, corp, seed_friends


async def relation(userid: str, ext: str) -> RelationStatus:
    row = await FollowRelation.get(staff__userid=userid, customer__external_userid=ext)
    return row.status


async def test_onjob_cycle_with_a_refusal_and_the_90_day_limit(linked: Linked) -> None:
    c = await corp()
    a, b, d = await seed_friends(linked, "zhangsan", ["甲客户", "乙客户", "丁客户"])
    stage = await Stage.create(corp_id=c.id, name="需求确认", sequence=1, probability=10)
    records = {}
    for ext in (a, b):
        lead = await Lead.create(
            corp_id=c.id, external_userid=ext, owner_userid="zhangsan", status="sql"
        )
        customer = await contacts.ensure_customer(c, ext)
        records[ext] = {
            "lead": lead.id,
            "open_opp": (await Opportunity.create(
                corp_id=c.id, name=f"{ext}-商机", owner_userid="zhangsan", stage=stage,
                customer_id_ref=customer.id)).id,
            "task": (await Task.create(
                corp_id=c.id, title="回访", assignee="zhangsan", external_userid=ext)).id,
        }  # fmt: skip
    closed = await Opportunity.create(
        corp_id=c.id, name="已输单", owner_userid="zhangsan", stage=stage,
        customer_id_ref=(await contacts.ensure_customer(c, a)).id, closed_at=datetime.now(UTC),
    )  # fmt: skip
    done_task = await Task.create(
        corp_id=c.id, title="已完成", assignee="zhangsan", external_userid=a,
        done_at=datetime.now(UTC),
    )  # fmt: skip
    lost_lead = await Lead.create(
        corp_id=c.id, external_userid=a, owner_userid="zhangsan", status="lost"
    )
    journey = await Journey.create(corp_id=c.id, name="新客", nodes=[])
    run = await JourneyRun.create(
        corp_id=c.id, journey=journey, external_userid=a, owner_userid="zhangsan", node_id="s1",
        due_at=datetime.now(UTC) + timedelta(days=2),
    )  # fmt: skip

    outcome = await transfers.start_customers(
        c, linked.client, handover="zhangsan", takeover="lisi",
        external_userids=[a, b, d, "wmNotHers"], message="您好，我是李四", operator="admin",
    )  # fmt: skip
    assert sorted(outcome.started) == sorted([a, b, d])
    assert outcome.blocked == [{"external_userid": "wmNotHers", "reason": "不是该成员的客户"}]
    sent = (await linked.sandbox.records("transfer"))[0]["data"]
    assert sent["message"] == "您好，我是李四" and sent["takeover"] == "lisi"
    # The same customers again while waiting: refused locally, WeCom not asked.
    again = await transfers.start_customers(
        c, linked.client, handover="zhangsan", takeover="wangwu", external_userids=[a]
    )
    assert again.started == [] and again.blocked[0]["reason"] == "正在转接中"
    assert len(await linked.sandbox.records("transfer")) == 1

    # The customer 乙 refuses: WeCom's transfer_fail callback ends that hand-over.
    await linked.sandbox.control("transfers/refuse", {"external_userid": b})
    await linked.drain()
    assert (await Handover.get(external_userid=b)).status == "refused"

    # A poll before the 24 hours: still waiting, next check backed off.
    now = datetime.now(UTC)
    counts = await transfer_track.check_due(c, linked.client, now + timedelta(minutes=2))
    assert counts == {"waiting": 2}
    row = await Handover.get(external_userid=a)
    assert row.checks == 1 and row.next_check_at is not None
    assert row.next_check_at - (now + timedelta(minutes=2)) == timedelta(minutes=2)

    # 24 hours later WeCom finishes; the poll sees it first, the callbacks arrive after.
    await linked.sandbox.control("clock", {"advance": DAY})
    counts = await transfer_track.check_due(c, linked.client, now + timedelta(hours=25))
    assert counts == {"done": 2}
    await linked.drain()  # del_external_contact(DELETE_BY_TRANSFER) + add: no second move

    moved = await Handover.get(external_userid=a)
    assert moved.status == "done" and moved.moved_at is not None
    assert moved.moved == {
        "leads": [records[a]["lead"]],
        "opportunities": [records[a]["open_opp"]],
        "tasks": [records[a]["task"]],
        "journey_runs": [run.id],
        "journey_resends": [],
    }
    assert (await Lead.get(id=records[a]["lead"])).owner_userid == "lisi"
    assert (await Lead.get(id=lost_lead.id)).owner_userid == "zhangsan"  # history stays
    assert (await Opportunity.get(id=records[a]["open_opp"])).owner_userid == "lisi"
    assert (await Opportunity.get(id=closed.id)).owner_userid == "zhangsan"
    assert (await Task.get(id=records[a]["task"])).assignee == "lisi"
    assert (await Task.get(id=done_task.id)).assignee == "zhangsan"
    assert (await JourneyRun.get(id=run.id)).owner_userid == "lisi"
    activity = await LeadActivity.get(lead_id=records[a]["lead"], kind="transfer")
    assert activity.data["from"] == "zhangsan" and activity.data["to"] == "lisi"
    assert await relation("zhangsan", a) == RelationStatus.TRANSFERRED
    assert await relation("lisi", a) == RelationStatus.ACTIVE
    assert await contacts.owners_of(c, a) == ["lisi"]  # the one-customer-one-owner binding
    # The refused customer moved nothing.
    assert (await Lead.get(id=records[b]["lead"])).owner_userid == "zhangsan"
    assert (await Opportunity.get(id=records[b]["open_opp"])).owner_userid == "zhangsan"
    assert (await Task.get(id=records[b]["task"])).assignee == "zhangsan"
    assert await relation("zhangsan", b) == RelationStatus.ACTIVE

    # 甲 back to 张三 (the second hand-over in 90 days), then a third is refused locally.
    back = await transfers.start_customers(
        c, linked.client, handover="lisi", takeover="zhangsan", external_userids=[a]
    )
    assert back.started == [a]
    await linked.sandbox.control("clock", {"advance": DAY})
    await transfer_track.check_due(c, linked.client, now + timedelta(days=3))
    assert (await Lead.get(id=records[a]["lead"])).owner_userid == "zhangsan"
    third = await transfers.start_customers(
        c, linked.client, handover="zhangsan", takeover="wangwu", external_userids=[a]
    )
    assert third.started == []
    assert third.blocked == [{"external_userid": a, "reason": "该客户90天内已被转接2次"}]
    assert len(await linked.sandbox.records("transfer")) == 2
