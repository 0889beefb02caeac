"""Group live codes against the sandbox: rotation as groups fill, attribution by state."""

from __future__ import annotations

from scrm.models.livecode import GroupLiveCode, GroupLiveCodeJoin
from tests.livecode.conftest import AUTH, Linked


async def test_joins_are_attributed_and_the_code_rotates_when_a_group_fills(
    linked: Linked,
) -> None:
    chats = [
        (await linked.sandbox.control("groups", {"owner": "zhangsan", "name": f"福利群{i}"}))[
            "chat_id"
        ]
        for i in (1, 2)
    ]
    await linked.drain()  # the bot mirrors both groups (owner only: 1 member each)
    spec = {"name": "福利群活码", "chat_ids": chats, "threshold": 3, "welcome_text": "欢迎入群！"}
    code = await linked.api("POST", "/api/v1/group-livecodes", spec, status=201)
    assert code["current_chat_ids"] == chats
    templates = await linked.sandbox.records("group_welcome_template")
    assert templates[0]["data"]["text"]["content"] == "欢迎入群！"

    landed = []
    for name in ("甲", "乙", "丙"):
        scan = await linked.sandbox.control(
            "group_scan", {"config_id": code["config_id"], "name": name}
        )
        landed.append(scan["chat_id"])
        await linked.drain()
    # Group 1 reached 3 members after two joins; the join way then pointed at group 2 only.
    assert landed == [chats[0], chats[0], chats[1]]
    row = await GroupLiveCode.get(id=code["id"])
    assert row.current_chat_ids == [chats[1]]
    assert await GroupLiveCodeJoin.filter(code_id=row.id).count() == 3

    stats = await linked.api("GET", f"/api/v1/group-livecodes/{code['id']}/stats")
    assert stats["days"][-1]["joins"] == 3
    fill = {g["chat_id"]: (g["members"], g["joins_via_code"], g["open"]) for g in stats["groups"]}
    assert fill == {chats[0]: (3, 2, False), chats[1]: (2, 1, True)}
    resp = await linked.bot.get(f"/api/v1/group-livecodes/{code['id']}/poster.png", headers=AUTH)
    assert resp.status == 200 and resp.content_type == "image/png"


async def test_group_code_refuses_bad_input(linked: Linked) -> None:
    body = await linked.api(
        "POST", "/api/v1/group-livecodes", {"name": "x", "chat_ids": ["a", "a"]}, status=422
    )
    assert "twice" in body["details"][0]["msg"]
    body = await linked.api(
        "POST", "/api/v1/group-livecodes", {"name": "x", "chat_ids": ["wrNOPE"]}, status=422
    )
    assert body["errcode"] == 86001
