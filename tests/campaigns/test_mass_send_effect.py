"""群发效果 and the 群发 tracking export, from a real send through the sandbox: reach, 雷达
opens, deletions within 7 days, each recipient by name; a manager exports only their own."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from scrm.models import Customer, MassSendTask
from tests.admin.test_sessions import _login, _user
from tests.campaigns.helpers import HIGH, customers
from tests.campaigns.test_mass_send_e2e import LINK, open_link
from tests.livecode.conftest import Linked


async def test_effect_report_and_recipient_export(linked: Linked) -> None:
    exts = await customers(linked, 4, tagged=4)  # zhangsan adds 0 and 2, lisi 1 and 3
    link = await linked.api("POST", "/api/v1/materials", LINK, 201)
    target = {"conditions": {"tags": {"mode": "any", "ids": [HIGH]}}}
    body = {"name": "双十二", "text": "会员日", "material_ids": [link["id"]], "target": target}
    send = await linked.api("POST", "/api/v1/mass-sends", body, 201)
    await linked.drain()
    tasks = {t.sender: t for t in await MassSendTask.filter(send_id=send["id"])}
    await linked.sandbox.control(f"mass/{tasks['zhangsan'].msgid}/confirm", {"userid": "zhangsan"})
    await linked.api("POST", f"/api/v1/mass-sends/{send['id']}/track")

    made = {m["data"]["msgid"]: m["data"] for m in await linked.sandbox.records("mass_message")}
    data = made[tasks["zhangsan"].msgid]
    reached = data["targets"]["zhangsan"]
    assert sorted(reached) == sorted([exts[0], exts[2]])
    url = data["attachments"][0]["link"]["url"]
    path = "/r/" + url.split("/r/", 1)[1]
    assert await open_link(linked, path, reached[0]) == LINK["url"]
    await linked.sandbox.control(
        "customer_deletes_staff", {"userid": "zhangsan", "external_userid": reached[1]}
    )
    await linked.drain()

    since = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    rows = await linked.api("GET", f"/api/v1/reports/view/mass_sends?since={since}")
    assert len(rows) == 1
    row = rows[0]
    assert (row["name"], row["chat_type"], row["recipients"], row["reached"]) == (
        "双十二",
        "客户群发",
        4,
        2,
    )
    assert (row["reach_rate"], row["opened"], row["open_rate"]) == (0.5, 1, 0.5)
    assert (row["deleted_7d"], row["delete_rate_7d"]) == (1, 0.5)

    # The tracking export: one row per recipient, by name, with status and opens.
    resp = await linked.bot.get(
        f"/api/v1/exports/mass_send_recipients?format=csv&send={send['id']}",
        headers={"Authorization": "Bearer test-admin-token"},
    )
    assert resp.status == 200
    table = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    assert table[0] == [
        "群发ID",
        "群发",
        "类型",
        "发送成员",
        "客户/客户群",
        "状态",
        "发送时间",
        "雷达打开次数",
    ]
    names = {c.external_userid: c.name for c in await Customer.filter(external_userid__in=exts)}
    got = {r[4]: (r[3], r[5], r[7]) for r in table[1:]}
    assert got == {
        names[reached[0]]: ("张三（zhangsan）", "已发送", "1"),
        names[reached[1]]: ("张三（zhangsan）", "已发送", "0"),
        names[exts[1]]: ("李四（lisi）", "未发送", "0"),
        names[exts[3]]: ("李四（lisi）", "未发送", "0"),
    }
    assert all(n and not n.startswith("wm") for n in got)

    # A manager sees only the 群发 they created: none of the admin's.
    await _user("mgr", "manager", userid="zhangsan", team=["lisi"])
    await _login(linked.bot, "mgr")
    resp = await linked.bot.get(
        f"/api/v1/exports/mass_send_recipients?format=csv&send={send['id']}"
    )
    assert resp.status == 200
    mine = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    assert mine == [table[0]]
