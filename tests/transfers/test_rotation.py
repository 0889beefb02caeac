"""Round robin continues across requests: per team (whatever order it is picked in) and per
saved rule, and two concurrent assignments never start from the same member."""

from __future__ import annotations

import asyncio

from scrm.models import Handover, TransferRule
from scrm.services import transfer_resigned, transfer_rotation
from tests.transfers.conftest import Linked, corp, seed_friends


async def _takeover(ext: str) -> str:
    return (await Handover.get(external_userid=ext, kind="resigned")).takeover_userid


async def test_successive_assignments_continue_the_turn(linked: Linked) -> None:
    c = await corp()
    exts = await seed_friends(linked, "wangwu", [f"客{i}" for i in range(6)])
    await linked.sandbox.control("staff/wangwu/resign")
    await linked.drain()
    team = ["zhangsan", "lisi"]
    got = []
    for ext, order in zip(exts[:3], (team, team, team[::-1]), strict=True):
        await transfer_resigned.assign(
            c, linked.client, items=[("wangwu", ext)], takeovers=order, operator="admin"
        )
        got.append(await _takeover(ext))
    # One customer per request: the turn passes on instead of starting over at zhangsan.
    assert got == ["zhangsan", "lisi", "zhangsan"]

    rule = await TransferRule.create(corp_id=c.id, name="销售组", takeover_userids=team)
    by_rule = []
    for ext in exts[3:5]:
        await transfer_resigned.assign_by_rule(
            c, linked.client, items=[("wangwu", ext)], rule=rule, operator="admin"
        )
        by_rule.append(await _takeover(ext))
    assert by_rule == ["zhangsan", "lisi"]  # the rule keeps its own turn
    # The team's turn was not moved by the rule: after zhangsan comes lisi.
    await transfer_resigned.assign(
        c, linked.client, items=[("wangwu", exts[5])], takeovers=team, operator="admin"
    )
    assert await _takeover(exts[5]) == "lisi"


async def test_concurrent_turns_never_repeat_a_member(linked: Linked) -> None:
    c = await corp()
    members = ["a", "b", "c"]
    key = transfer_rotation.team_key(members)
    turns = await asyncio.gather(
        *(transfer_rotation.take(c.id, key, members, 1) for _ in range(3))
    )
    assert sorted(t[0] for t in turns) == members
    # A member dropped from the list: the turn goes on from the start, not from a stale index.
    assert await transfer_rotation.take(c.id, key, ["x", "y"], 3) == ["x", "y", "x"]
