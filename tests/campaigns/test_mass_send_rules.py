"""群发 rules: the monthly receive cap (ours and WeCom's status 3), 客户群群发 to groups, a
scheduled send started by the tick, per-call splitting, and the API's refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.jobs.campaigns import mass_send_tick
from scrm.infra import keys
from scrm.models import MassSend, MassSendRecipient, MassSendTask
from scrm.services import mass_send, mass_send_track
from scrm.services.mass_send_reach import Target, reach
from tests.campaigns.helpers import HIGH, clients, customers
from tests.livecode.conftest import Linked
from wecom.client.models.common import Text
from wecom.client.models.messages import MsgTemplate

ALL = {"conditions": {}}


async def test_monthly_cap_is_respected(linked: Linked) -> None:
    exts = await customers(linked, 4, tagged=0)
    await linked.sandbox.control("settings", {"monthly_receive_cap": 1})
    corp_id = 1
    send = await linked.api(
        "POST", "/api/v1/mass-sends", {"name": "一", "text": "第一次", "target": ALL}, 201
    )
    await linked.drain()
    tasks = {t.sender: t for t in await MassSendTask.filter(send_id=send["id"])}
    await linked.sandbox.control(f"mass/{tasks['zhangsan'].msgid}/confirm", {"userid": "zhangsan"})
    await mass_send_track.track(send["id"], clients(linked))
    got = set(
        await MassSendRecipient.filter(send_id=send["id"], status=1).values_list(
            "target_id", flat=True
        )
    )
    assert len(got) == 2
    # With a cap of one a month, the reach preview knows those two are spent…
    target = Target.model_validate(ALL)
    preview = await reach(corp_id, "single", target, None, tz="Asia/Shanghai", cap=1)
    assert (preview["total"], preview["capped"], preview["reached"]) == (4, 2, 2)
    # …and the next send leaves them out.
    second = await MassSend.create(
        corp_id=corp_id,
        name="二",
        text="第二次",
        target={"spec": ALL, "scope": None},
        send_at=datetime.now(UTC),
    )
    assert await mass_send.claim(second.id)
    made = await mass_send.run(second.id, clients(linked), mass_send.RunOptions(monthly_cap=1))
    assert made["recipients"] == 2
    sent_to = {
        t
        for m in await linked.sandbox.records("mass_message")
        for ts in m["data"]["targets"].values()
        for t in ts
    }
    assert got <= sent_to
    # A customer who received a 群发 we did not make is skipped by WeCom: status 3.
    lisi = await MassSendTask.get(send_id=second.id, sender="lisi")
    lisi_targets = list(
        await MassSendRecipient.filter(task_id=lisi.id).values_list("target_id", flat=True)
    )
    outside = await linked.client.add_msg_template(
        MsgTemplate(sender="lisi", external_userid=lisi_targets[:1], text=Text(content="别处"))
    )
    await linked.sandbox.control(f"mass/{outside.msgid}/confirm", {"userid": "lisi"})
    await linked.sandbox.control(f"mass/{lisi.msgid}/confirm", {"userid": "lisi"})
    await mass_send_track.track(second.id, clients(linked))
    rows = dict(await MassSendRecipient.filter(task_id=lisi.id).values_list("target_id", "status"))
    assert rows[lisi_targets[0]] == 3 and sorted(rows.values()) == [1, 3]
    assert set(exts) >= set(rows)


async def test_group_send_tracks_each_group(linked: Linked) -> None:
    chats = []
    for owner, name in (("zhangsan", "VIP一群"), ("zhangsan", "VIP二群"), ("lisi", "普通群")):
        chats.append(
            (await linked.sandbox.control("groups", {"owner": owner, "name": name}))["chat_id"]
        )
    await linked.drain()
    target = {"groups": {"name": "VIP"}}
    got = await linked.api(
        "POST", "/api/v1/mass-sends/reach", {"chat_type": "group", "target": target}
    )
    assert (got["total"], got["tasks"]) == (2, 1)
    body = {"name": "群发", "chat_type": "group", "text": "群公告", "target": target}
    send = await linked.api("POST", "/api/v1/mass-sends", body, 201)
    await linked.drain()
    task = await MassSendTask.get(send_id=send["id"])
    assert task.sender == "zhangsan" and task.recipients == 2
    await linked.sandbox.control(f"mass/{task.msgid}/confirm", {"userid": "zhangsan"})
    detail = await linked.api("POST", f"/api/v1/mass-sends/{send['id']}/track")
    assert detail["status_counts"]["1"] == 2
    # A group send needs groups; a customer send needs customers.
    bad = {"name": "x", "chat_type": "group", "text": "x", "target": ALL}
    await linked.api("POST", "/api/v1/mass-sends", bad, 422)


async def test_scheduled_send_starts_on_the_tick_and_can_be_cancelled_before(
    linked: Linked,
) -> None:
    await customers(linked, 2, tagged=2)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    body = {"name": "定时", "text": "明早见", "target": {"conditions": {"tags": {"ids": [HIGH]}}}}
    kept = await linked.api("POST", "/api/v1/mass-sends", {**body, "send_at": later}, 201)
    dropped = await linked.api("POST", "/api/v1/mass-sends", {**body, "send_at": later}, 201)
    assert await linked.api("POST", f"/api/v1/mass-sends/{dropped['id']}/cancel") == {
        "cancelled_tasks": 0
    }
    ctx = {"clients": linked.bot.app[keys.CLIENTS], "settings": linked.settings}
    assert (await mass_send_tick(ctx))["made"] == 0  # not due yet
    await MassSend.filter(id=kept["id"]).update(send_at=datetime.now(UTC) - timedelta(seconds=1))
    assert (await mass_send_tick(ctx))["made"] == 1
    assert (await MassSend.get(id=kept["id"])).status == "sent"
    assert (await MassSend.get(id=dropped["id"])).status == "cancelled"
    assert len(await linked.sandbox.records("mass_message")) == 2  # one per member


async def test_splits_at_the_per_call_limit(linked: Linked, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    await customers(linked, 5, tagged=0)
    monkeypatch.setattr(mass_send, "MAX_CUSTOMERS", 2)
    send = await MassSend.create(
        corp_id=1,
        name="拆分",
        text="x",
        target={"spec": ALL, "scope": None},
        send_at=datetime.now(UTC),
    )
    assert await mass_send.claim(send.id)
    made = await mass_send.run(send.id, clients(linked), mass_send.RunOptions())
    # zhangsan 3 customers → 2 + 1, lisi 2 → 2: three calls, never more than the limit each.
    assert made == {"tasks": 3, "failed": 0, "recipients": 5}
    sizes = sorted(t.recipients for t in await MassSendTask.filter(send_id=send.id))
    assert sizes == [1, 2, 2]


async def test_api_refuses_bad_input(linked: Linked) -> None:
    bad = [
        {"name": "x", "text": "x", "target": {}},
        {"name": "x", "text": "x", "target": {"segment_id": 1, "conditions": {}}},
        {"name": "x", "text": "x", "target": {"segment_id": 99}},
        {"name": "x", "text": "x", "target": ALL, "material_ids": [42]},
        {"name": "x", "text": "x", "target": ALL, "material_ids": list(range(1, 12))},
        {"name": "x", "text": "", "target": ALL},
        {"name": "", "text": "x", "target": ALL},
        {"name": "x", "text": "x" * 1301, "target": ALL},
        {"name": "x", "text": "x", "target": ALL, "send_at": "2099-01-01T00:00:00"},
        {"name": "x", "text": "x", "target": ALL, "chat_type": "broadcast"},
        {"name": "x", "text": "x", "target": ALL, "material_ids": [2**63]},
        {"name": "x", "text": "x", "chat_type": "group", "target": {"groups": {"owners": [""]}}},
    ]
    for body in bad:
        await linked.api("POST", "/api/v1/mass-sends", body, 422)
    await linked.api("GET", "/api/v1/mass-sends/123", status=404)
    await linked.api("POST", "/api/v1/mass-sends/abc/remind", status=404)
    assert (await linked.api("GET", "/api/v1/mass-sends"))["total"] == 0
