"""The sandbox hands customers over as WeCom does: 24 h takeover on an advanceable clock,
refusals, the takeover member's limit, 2 per 90 days, 40097, paged unassigned list, groups."""

from __future__ import annotations

import pytest

from tests.wecom.sandbox_fixtures import Sandbox
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.misc import ResignedTransfer, Transfer, TransferResultRequest
from wecom.client.models.transfer import GroupTransfer, UnassignedRequest

DAY = 24 * 3600


async def friends(sandbox: Sandbox, userid: str, n: int) -> list[str]:
    made = await sandbox.control("friends", {"friends": [{"userid": userid}] * n})
    return list(made["external_userids"])


async def customers_of(wecom: WeComClient, userid: str) -> list[str]:
    try:
        return sorted((await wecom.list_external_contacts(userid)).external_userid)
    except errors.NotAFriend:  # WeCom answers 84061 for a member without customers
        return []


async def statuses(wecom: WeComClient, handover: str, takeover: str, resigned: bool = False):  # type: ignore[no-untyped-def]
    req = TransferResultRequest(handover_userid=handover, takeover_userid=takeover)
    call = wecom.resigned_transfer_result if resigned else wecom.transfer_result
    return {c.external_userid: c.status for c in (await call(req)).customer}


async def test_takeover_after_24_hours_refusal_and_limit(
    sandbox: Sandbox, wecom: WeComClient
) -> None:
    a, b, c = await friends(sandbox, "zhangsan", 3)
    started = await wecom.transfer_customer(
        Transfer(handover_userid="zhangsan", takeover_userid="lisi", external_userid=[a, b, c],
                 transfer_success_msg="您好，我是新的顾问李四")
    )  # fmt: skip
    assert [x.errcode for x in started.customer] == [0, 0, 0]
    assert await statuses(wecom, "zhangsan", "lisi") == {a: 2, b: 2, c: 2}
    await sandbox.control("transfers/refuse", {"external_userid": b})
    # Twenty-three hours on, nothing has moved yet.
    await sandbox.control("clock", {"advance": 23 * 3600})
    assert await statuses(wecom, "zhangsan", "lisi") == {a: 2, b: 3, c: 2}
    assert await customers_of(wecom, "lisi") == []
    await sandbox.control("clock", {"advance": 3600})
    assert await statuses(wecom, "zhangsan", "lisi") == {a: 1, b: 3, c: 1}
    assert await customers_of(wecom, "lisi") == sorted([a, c])
    assert await customers_of(wecom, "zhangsan") == [b]
    # A takeover member at their customer limit: the hand-over ends in status 4.
    await sandbox.control("staff", {"userid": "wangwu", "name": "王五", "customer_limit": 1})
    (d,) = await friends(sandbox, "wangwu", 1)
    await wecom.transfer_customer(
        Transfer(handover_userid="zhangsan", takeover_userid="wangwu", external_userid=[b])
    )
    await sandbox.control("clock", {"advance": DAY})
    assert await statuses(wecom, "zhangsan", "wangwu") == {b: 4}
    assert await customers_of(wecom, "wangwu") == [d]


async def test_two_transfers_per_90_days(sandbox: Sandbox, wecom: WeComClient) -> None:
    (a,) = await friends(sandbox, "zhangsan", 1)
    for handover, takeover in (("zhangsan", "lisi"), ("lisi", "zhangsan")):
        started = await wecom.transfer_customer(
            Transfer(handover_userid=handover, takeover_userid=takeover, external_userid=[a])
        )
        assert started.customer[0].errcode == 0
        await sandbox.control("clock", {"advance": DAY})
    third = await wecom.transfer_customer(
        Transfer(handover_userid="zhangsan", takeover_userid="lisi", external_userid=[a])
    )
    assert third.customer[0].errcode == 40129
    await sandbox.control("clock", {"advance": 89 * DAY})  # the first one is 90 days old now
    fourth = await wecom.transfer_customer(
        Transfer(handover_userid="zhangsan", takeover_userid="lisi", external_userid=[a])
    )
    assert fourth.customer[0].errcode == 0


async def test_resigned_transfer_needs_a_resigned_member_and_the_list_pages(
    sandbox: Sandbox, wecom: WeComClient
) -> None:
    exts = await friends(sandbox, "wangwu", 3)
    with pytest.raises(errors.WeComError) as refused:
        await wecom.resigned_transfer_customer(
            ResignedTransfer(
                handover_userid="wangwu", takeover_userid="lisi", external_userid=exts
            )
        )
    assert refused.value.errcode == 40097
    resign = await sandbox.control("staff/wangwu/resign")
    assert resign["userid"] == "wangwu"
    first = await wecom.get_unassigned_list(UnassignedRequest(page_size=2))
    assert len(first.info) == 2 and not first.is_last and first.next_cursor
    second = await wecom.get_unassigned_list(
        UnassignedRequest(page_size=2, cursor=first.next_cursor)
    )
    assert len(second.info) == 1 and second.is_last
    listed = {i.external_userid for i in first.info + second.info}
    assert listed == set(exts) and all(i.handover_userid == "wangwu" for i in first.info)
    # The on-job API refuses a member who left; the resigned one takes them.
    with pytest.raises(errors.WeComError):
        await wecom.transfer_customer(
            Transfer(handover_userid="wangwu", takeover_userid="lisi", external_userid=exts)
        )
    started = await wecom.resigned_transfer_customer(
        ResignedTransfer(
            handover_userid="wangwu", takeover_userid="lisi", external_userid=exts[:2]
        )
    )
    assert [x.errcode for x in started.customer] == [0, 0]
    left = await wecom.get_unassigned_list(UnassignedRequest())
    assert [i.external_userid for i in left.info] == [exts[2]]
    await sandbox.control("clock", {"advance": DAY})
    assert await statuses(wecom, "wangwu", "lisi", resigned=True) == {exts[0]: 1, exts[1]: 1}


async def test_group_transfers_follow_their_rules(sandbox: Sandbox, wecom: WeComClient) -> None:
    g1 = (await sandbox.control("groups", {"owner": "zhangsan", "name": "一群"}))["chat_id"]
    g2 = (await sandbox.control("groups", {"owner": "wangwu", "name": "二群"}))["chat_id"]
    # groupchat/transfer is for groups whose owner left: zhangsan has not.
    refused = await wecom.transfer_resigned_groups(
        GroupTransfer(chat_id_list=[g1], new_owner="lisi")
    )
    assert [(f.chat_id, f.errcode) for f in refused.failed_chat_list] == [(g1, 90501)]
    moved = await wecom.transfer_groups(
        GroupTransfer(chat_id_list=[g1, "wrNoSuchChat"], new_owner="lisi")
    )
    assert [(f.chat_id, f.errcode) for f in moved.failed_chat_list] == [("wrNoSuchChat", 86001)]
    assert (await wecom.get_group_chat(g1)).group_chat.owner == "lisi"
    await sandbox.control("staff/wangwu/resign")
    onjob = await wecom.transfer_groups(GroupTransfer(chat_id_list=[g2], new_owner="lisi"))
    assert onjob.failed_chat_list[0].errcode == 90500
    resigned = await wecom.transfer_resigned_groups(
        GroupTransfer(chat_id_list=[g2], new_owner="lisi")
    )
    assert resigned.failed_chat_list == []
    assert (await wecom.get_group_chat(g2)).group_chat.owner == "lisi"
