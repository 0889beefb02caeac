"""离职继承 end to end: a member resigns (WeCom's callback), their customers and groups wait on
the 待分配 list from get_unassigned_list, are spread round robin, and their records follow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrm.models import GroupChat, Handover, Lead, SopPlan, SopRun, Staff
from scrm.services import contacts, transfer_resigned, transfer_track, transfers
from tests.transfers.conftest import DAY, Linked, corp, seed_friends


async def test_resignation_to_records_moved(linked: Linked) -> None:
    c = await corp()
    exts = await seed_friends(linked, "wangwu", ["一号", "二号", "三号"])
    leads = {
        ext: (await Lead.create(corp_id=c.id, external_userid=ext, owner_userid="wangwu")).id
        for ext in exts
    }
    chat = (await linked.sandbox.control("groups", {"owner": "wangwu", "name": "王五的群"}))[
        "chat_id"
    ]
    await linked.drain()
    assert (await GroupChat.get(chat_id=chat)).owner_userid == "wangwu"
    plan = await SopPlan.create(corp_id=c.id, name="群早报", starts_at=datetime.now(UTC))
    sop_run = await SopRun.create(
        corp_id=c.id, plan=plan, step_id="1", target_id=chat, owner_userid="wangwu",
        due_at=datetime.now(UTC) + timedelta(days=1),
    )  # fmt: skip

    # Before the resignation WeCom refuses the resigned transfer (40097).
    early = await transfers.start_customers(
        c, linked.client, handover="wangwu", takeover="lisi", external_userids=exts[:1],
        resigned=True,
    )  # fmt: skip
    assert early.started == [] and early.blocked[0]["reason"] == "该成员尚未离职"
    assert (await Handover.get(external_userid=exts[0])).status == "failed"

    await linked.sandbox.control("staff/wangwu/resign")
    await linked.drain()  # change_contact/delete_user
    assert (await Staff.get(userid="wangwu")).active is False

    waiting = await transfer_resigned.listing(c, linked.client)
    assert sorted(x["external_userid"] for x in waiting["customers"]) == sorted(exts)
    assert {x["name"] for x in waiting["customers"]} == {"一号", "二号", "三号"}
    assert all(x["handover_name"] == "王五" for x in waiting["customers"])
    assert [g["chat_id"] for g in waiting["groups"]] == [chat]

    result = await transfer_resigned.assign(
        c, linked.client, items=[("wangwu", e) for e in exts], takeovers=["zhangsan", "lisi"],
        operator="admin",
    )  # fmt: skip
    assert result["started"] == [exts[0], exts[2], exts[1]]  # zhangsan, lisi, zhangsan
    groups = await transfers.start_groups(
        c, linked.client, chat_ids=[chat], takeover="lisi", resigned=True
    )
    assert groups.started == [chat]
    assert (await GroupChat.get(chat_id=chat)).owner_userid == "lisi"
    assert (await SopRun.get(id=sop_run.id)).owner_userid == "lisi"
    waiting = await transfer_resigned.listing(c, linked.client)
    assert waiting["customers"] == []  # WeCom no longer lists customers in a hand-over

    await linked.sandbox.control("clock", {"advance": DAY})
    counts = await transfer_track.check_due(
        c, linked.client, datetime.now(UTC) + timedelta(hours=25)
    )
    assert counts == {"done": 3}
    await linked.drain()
    owners = {ext: (await Lead.get(id=leads[ext])).owner_userid for ext in exts}
    assert owners == {exts[0]: "zhangsan", exts[1]: "lisi", exts[2]: "zhangsan"}
    for ext in exts:
        assert await contacts.owners_of(c, ext) == [owners[ext]]
    rows = await Handover.filter(kind="resigned", status="done").order_by("id")
    assert {r.external_userid or r.chat_id for r in rows} == {chat, *exts}
