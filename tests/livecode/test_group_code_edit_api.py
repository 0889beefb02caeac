"""Editing and deleting group live codes: WeCom's join way and welcome template follow."""

from __future__ import annotations

from typing import Any

import pytest

from admin.api.auth import hash_token
from scrm.models import ApiToken, Corp
from scrm.models.livecode import GroupLiveCode
from tests.conftest import CORP_ID
from tests.livecode.conftest import Linked
from wecom import errors


async def _groups(linked: Linked, *names: str) -> list[str]:
    chats = [
        (await linked.sandbox.control("groups", {"owner": "zhangsan", "name": n}))["chat_id"]
        for n in names
    ]
    await linked.drain()  # the bot mirrors them
    return chats


async def _way(linked: Linked, config_id: str) -> dict[str, Any]:
    return (await linked.client.get_join_way(config_id)).join_way.model_dump()


async def _token(role: str) -> dict[str, str]:
    corp = await Corp.get(corp_id=CORP_ID)
    raw = f"tok-{role}"
    await ApiToken.create(corp_id=corp.id, name=raw, token_hash=hash_token(raw), role=role)
    return {"Authorization": f"Bearer {raw}"}


async def test_edit_moves_the_join_way_and_rewrites_the_welcome(linked: Linked) -> None:
    a, b, c = await _groups(linked, "一群", "二群", "三群")
    spec = {"name": "福利群", "chat_ids": [a, b], "threshold": 50, "welcome_text": "欢迎！"}
    code = await linked.api("POST", "/api/v1/group-livecodes", spec, status=201)

    edited = {
        **spec,
        "name": "福利群二期",
        "chat_ids": [c, a],
        "threshold": 80,
        "auto_create": False,
        "welcome_text": "欢迎来到二期！",
    }
    out = await linked.api("PUT", f"/api/v1/group-livecodes/{code['id']}", edited)
    assert (out["name"], out["threshold"], out["current_chat_ids"]) == ("福利群二期", 80, [c, a])
    way = await _way(linked, code["config_id"])
    assert way["chat_id_list"] == [c, a] and way["remark"] == "福利群二期"
    assert way["auto_create_room"] == 0 and way["state"] == code["state"]
    row = await GroupLiveCode.get(id=code["id"])
    assert row.qr_url == code["qr_url"]  # the printed poster keeps working
    tpl = await linked.client.get_group_welcome_template(row.welcome_template_id)
    assert tpl.text is not None and tpl.text.content == "欢迎来到二期！"

    # Dropping the text drops WeCom's template too.
    await linked.api(
        "PUT", f"/api/v1/group-livecodes/{code['id']}", {**edited, "welcome_text": ""}
    )
    assert (await GroupLiveCode.get(id=code["id"])).welcome_template_id == ""


async def test_edit_refuses_bad_input_and_keeps_the_row(linked: Linked) -> None:
    (a,) = await _groups(linked, "一群")
    spec = {"name": "群码", "chat_ids": [a]}
    code = await linked.api("POST", "/api/v1/group-livecodes", spec, status=201)
    path = f"/api/v1/group-livecodes/{code['id']}"
    body = await linked.api("PUT", path, {**spec, "state": "other_state"}, status=422)
    assert "state cannot change" in body["error"]
    body = await linked.api("PUT", path, {**spec, "chat_ids": ["wrNOPE"]}, status=422)
    assert body["errcode"] == 86001
    row = await GroupLiveCode.get(id=code["id"])
    assert row.chat_ids == [a] and row.name == "群码"
    body = await linked.api("PUT", path, {**spec, "threshold": 1}, status=422)
    assert body["details"][0]["loc"] == "threshold"
    await linked.api("PUT", "/api/v1/group-livecodes/999999", spec, status=404)

    staff = await linked.bot.put(path, json=spec, headers=await _token("staff"))
    assert staff.status == 403
    manager = await linked.bot.delete(path, headers=await _token("manager"))
    assert manager.status == 403
    assert await GroupLiveCode.exists(id=code["id"])


async def test_delete_removes_the_join_way(linked: Linked) -> None:
    (a,) = await _groups(linked, "一群")
    code = await linked.api(
        "POST",
        "/api/v1/group-livecodes",
        {"name": "x", "chat_ids": [a], "welcome_text": "嗨"},
        201,
    )
    resp = await linked.bot.delete(
        f"/api/v1/group-livecodes/{code['id']}", headers=await _token("ops")
    )
    assert resp.status == 200 and (await resp.json()) == {"deleted": code["id"]}
    assert not await GroupLiveCode.exists(id=code["id"])
    probe = await linked.bot.get(
        f"/api/v1/group-livecodes/{code['id']}", headers=await _token("admin")
    )
    assert probe.status == 404
    with pytest.raises(errors.WeComError):
        await linked.client.get_join_way(code["config_id"])
