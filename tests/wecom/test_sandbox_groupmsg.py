"""The sandbox's 企业群发 behaves like WeCom: limits, 41063 right after creation, paging, the
monthly receive cap (status 3), reminders ≤ 3 per 24 h, cancel, and confirm/ignore controls."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.wecom.sandbox_fixtures import Sandbox
from tests.wecom.test_sandbox import cgi
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.common import Text
from wecom.client.models.messages import (
    GroupMsgListRequest,
    GroupMsgResultRequest,
    GroupMsgTaskRequest,
    MsgTemplate,
)


async def friends(sandbox: Sandbox, userid: str, n: int) -> list[str]:
    made = await sandbox.control("friends", {"friends": [{"userid": userid}] * n})
    return list(made["external_userids"])


async def mass(wecom: WeComClient, sender: str, to: list[str]) -> str:
    req = MsgTemplate(sender=sender, external_userid=to, text=Text(content="双十二活动"))
    return (await wecom.add_msg_template(req)).msgid


async def raw(sandbox: Sandbox, api: str, body: dict[str, Any]) -> dict[str, Any]:
    return await cgi(sandbox, api, body)  # the raw answer: errcode and errmsg as WeCom says


async def test_limits_and_fail_list(sandbox: Sandbox, wecom: WeComClient) -> None:
    mine = await friends(sandbox, "zhangsan", 2)
    body = {"sender": "zhangsan", "external_userid": ["wm-x"] * 10_001, "text": {"content": "x"}}
    got = await raw(sandbox, "externalcontact/add_msg_template", body)
    assert got["errcode"] == 40058 and "10000" in got["errmsg"]
    body = {"chat_type": "group", "sender": "zhangsan", "chat_id_list": ["wr"] * 2001}
    got = await raw(
        sandbox, "externalcontact/add_msg_template", {**body, "text": {"content": "x"}}
    )
    assert got["errcode"] == 40058 and "2000" in got["errmsg"]
    # A listed customer who is not the sender's friend comes back in fail_list.
    req = MsgTemplate(
        sender="zhangsan", external_userid=[*mine, "wm-stranger"], text=Text(content="x")
    )
    created = await wecom.add_msg_template(req)
    assert created.fail_list == ["wm-stranger"]


async def test_41063_then_paging_confirm_cap_remind_cancel(
    sandbox: Sandbox, wecom: WeComClient
) -> None:
    await sandbox.control("settings", {"groupmsg_settle_seconds": 0.3, "monthly_receive_cap": 1})
    zs = await friends(sandbox, "zhangsan", 5)
    msgid = await mass(wecom, "zhangsan", zs)
    got = await raw(sandbox, "externalcontact/get_groupmsg_task", {"msgid": msgid})
    assert got["errcode"] == 41063  # right after creation
    await asyncio.sleep(0.35)
    tasks = await wecom.get_groupmsg_task(GroupMsgTaskRequest(msgid=msgid))
    assert [(t.userid, t.status) for t in tasks.task_list] == [("zhangsan", 0)]
    # The member sends to three of five (allow_select); results page two at a time.
    done = await sandbox.control(
        f"mass/{msgid}/confirm", {"userid": "zhangsan", "external_userids": zs[:3]}
    )
    assert done["sent"] == 3
    page1 = await wecom.get_groupmsg_send_result(
        GroupMsgResultRequest(msgid=msgid, userid="zhangsan", limit=2)
    )
    assert len(page1.send_list) == 2 and page1.next_cursor
    page2 = await wecom.get_groupmsg_send_result(
        GroupMsgResultRequest(msgid=msgid, userid="zhangsan", limit=2, cursor=page1.next_cursor)
    )
    page3 = await wecom.get_groupmsg_send_result(
        GroupMsgResultRequest(msgid=msgid, userid="zhangsan", limit=2, cursor=page2.next_cursor)
    )
    statuses = {r.external_userid: r.status for p in (page1, page2, page3) for r in p.send_list}
    assert statuses == {zs[0]: 1, zs[1]: 1, zs[2]: 1, zs[3]: 0, zs[4]: 0}
    assert page3.next_cursor == ""
    # Cap 1 a month: the second 群发 reaches only the two who got nothing (status 3 for others).
    second = await mass(wecom, "zhangsan", zs)
    await asyncio.sleep(0.35)
    done = await sandbox.control(f"mass/{second}/confirm", {"userid": "zhangsan"})
    assert (done["sent"], done["capped"]) == (2, 3)
    # Remind: three in 24 h, the fourth refused; cancel stops an unsent task.
    third = await mass(wecom, "zhangsan", zs[:1])
    for _ in range(3):
        await wecom.remind_groupmsg_send(third)
    with pytest.raises(errors.WeComError) as refused:
        await wecom.remind_groupmsg_send(third)
    assert refused.value.errcode == 40058
    await wecom.cancel_groupmsg_send(third)
    async with sandbox.http.post(
        f"{sandbox.url}/sandbox/mass/{third}/confirm", json={"userid": "zhangsan"}
    ) as r:
        assert r.status == 400  # a cancelled task can no longer be sent
    listed = await wecom.get_groupmsg_list(
        GroupMsgListRequest(chat_type="single", start_time=0, end_time=2**31, limit=2)
    )
    assert len(listed.group_msg_list) == 2 and listed.next_cursor


async def test_ignore_leaves_the_task_unsent(sandbox: Sandbox, wecom: WeComClient) -> None:
    zs = await friends(sandbox, "zhangsan", 1)
    msgid = await mass(wecom, "zhangsan", zs)
    await sandbox.control(f"mass/{msgid}/ignore", {"userid": "zhangsan"})
    tasks = await wecom.get_groupmsg_task(GroupMsgTaskRequest(msgid=msgid))
    assert [t.status for t in tasks.task_list] == [0]
    assert [r["data"]["userid"] for r in await sandbox.records("mass_ignored")] == ["zhangsan"]
