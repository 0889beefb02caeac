"""The sandbox enforces WeCom's rules, and its callbacks satisfy two independent decryptors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from wechatpy.enterprise.crypto import WeChatCrypto

from tests.conftest import AES_KEY, CORP_ID, TOKEN
from tests.wecom.sandbox_fixtures import Sandbox, sandbox_config, start_sandbox
from wecom.crypto import WeComCrypto
from wecom.xmlparse import parse_xml


class FakeBot:
    """A callback endpoint that decrypts with wechatpy and with our crypto, and can fail."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.bodies: list[tuple[str, bytes]] = []
        self.events: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        q = request.query
        self.bodies.append((request.query_string, body))
        if len(self.bodies) <= self.fail_first:
            return web.Response(status=500)
        independent = WeChatCrypto(TOKEN, AES_KEY, CORP_ID).decrypt_message(
            body, q["msg_signature"], q["timestamp"], q["nonce"]
        )
        ours = WeComCrypto(TOKEN, AES_KEY, CORP_ID)
        encrypt = parse_xml(body)["Encrypt"]
        plain = ours.verify_and_decrypt(q["msg_signature"], q["timestamp"], q["nonce"], encrypt)
        assert plain.decode() == (
            independent.decode() if isinstance(independent, bytes) else independent
        )
        self.events.append(parse_xml(plain))
        return web.Response(text="")


@pytest.fixture
async def bot_and_sandbox(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[FakeBot, Sandbox]]:
    bot = FakeBot(getattr(request, "param", 0))
    app = web.Application()
    app.router.add_post("/cb", bot.handle)
    bot_server = TestServer(app)
    await bot_server.start_server()
    server, http = await start_sandbox(
        sandbox_config(
            str(bot_server.make_url("/cb")), callback_retry_delay=0.05, welcome_code_ttl=0.3
        )
    )
    yield bot, Sandbox(server, http)
    await http.close()
    await server.close()
    await bot_server.close()


async def cgi(sandbox: Sandbox, api: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    async with sandbox.http.get(
        f"{sandbox.url}/cgi-bin/gettoken",
        params={"corpid": CORP_ID, "corpsecret": "test-corp-secret"},
    ) as r:
        token = (await r.json())["access_token"]
    async with sandbox.http.post(
        f"{sandbox.url}/cgi-bin/{api}", params={"access_token": token}, json=body or {}
    ) as r:
        assert r.status == 200  # WeCom answers errors with HTTP 200 and an errcode
        return dict(await r.json())


async def code_for(sandbox: Sandbox, users: list[str], state: str = "poster") -> str:
    created = await cgi(
        sandbox,
        "externalcontact/add_contact_way",
        {"type": 1 if len(users) == 1 else 2, "scene": 2, "state": state, "user": users},
    )
    assert created["errcode"] == 0, created
    return str(created["config_id"])


async def test_token_rules(sandbox: Sandbox) -> None:
    async with sandbox.http.get(
        f"{sandbox.url}/cgi-bin/gettoken", params={"corpid": "wwnope", "corpsecret": "x"}
    ) as r:
        assert (await r.json())["errcode"] == 40013
    async with sandbox.http.get(
        f"{sandbox.url}/cgi-bin/gettoken", params={"corpid": CORP_ID, "corpsecret": "x"}
    ) as r:
        assert (await r.json())["errcode"] == 40001
    api = f"{sandbox.url}/cgi-bin/externalcontact/get_follow_user_list"
    for params, errcode in (({}, 41001), ({"access_token": "forged"}, 40014)):
        async with sandbox.http.get(api, params=params) as r:
            assert (await r.json())["errcode"] == errcode
    assert (await cgi(sandbox, "externalcontact/get_follow_user_list"))["errcode"] == 0
    await sandbox.control("settings", {"token_lifetime": 0.0})
    async with sandbox.http.get(
        f"{sandbox.url}/cgi-bin/gettoken",
        params={"corpid": CORP_ID, "corpsecret": "test-corp-secret"},
    ) as r:
        token = (await r.json())["access_token"]
    async with sandbox.http.get(api, params={"access_token": token}) as r:
        assert (await r.json())["errcode"] == 42001


async def test_rate_limit_and_ip_refusal(sandbox: Sandbox) -> None:
    await sandbox.control("settings", {"rate_per_minute": 2})
    codes = [
        (await cgi(sandbox, "externalcontact/get_follow_user_list"))["errcode"] for _ in range(3)
    ]
    assert codes == [0, 0, 45009]
    await sandbox.control("settings", {"rate_per_minute": 10_000, "refuse_ip": True})
    assert (await cgi(sandbox, "externalcontact/get_corp_tag_list"))["errcode"] == 60020


async def test_contact_way_validation(sandbox: Sandbox) -> None:
    way = {"type": 1, "scene": 2, "user": ["zhangsan"]}
    too_long = await cgi(sandbox, "externalcontact/add_contact_way", {**way, "state": "s" * 31})
    assert too_long["errcode"] == 40058
    ok = await cgi(sandbox, "externalcontact/add_contact_way", {**way, "state": "s" * 30})
    assert ok["errcode"] == 0 and ok["qr_code"].endswith(ok["config_id"])
    two = await cgi(
        sandbox, "externalcontact/add_contact_way", {**way, "user": ["zhangsan", "lisi"]}
    )
    assert two["errcode"] == 40058
    ghost = await cgi(sandbox, "externalcontact/add_contact_way", {**way, "user": ["ghost"]})
    assert ghost["errcode"] == 40003
    got = await cgi(sandbox, "externalcontact/get_contact_way", {"config_id": ok["config_id"]})
    assert got["contact_way"]["state"] == "s" * 30


async def test_scan_delivers_a_callback_both_decryptors_accept(
    bot_and_sandbox: tuple[FakeBot, Sandbox],
) -> None:
    bot, sandbox = bot_and_sandbox
    config_id = await code_for(sandbox, ["zhangsan", "lisi"])
    first = await sandbox.control("scan", {"config_id": config_id, "name": "王小明"})
    second = await sandbox.control("scan", {"config_id": config_id})
    assert first["delivery"]["status"] == 200
    assert [first["userid"], second["userid"]] == ["zhangsan", "lisi"]
    event = bot.events[0]
    assert event["ChangeType"] == "add_external_contact" and event["State"] == "poster"
    assert event["WelcomeCode"] == first["welcome_code"]
    assert event["ExternalUserID"] == first["external_userid"] and event["ToUserName"] == CORP_ID


@pytest.mark.parametrize("bot_and_sandbox", [2], indirect=True)
async def test_callbacks_are_retried_byte_identical(
    bot_and_sandbox: tuple[FakeBot, Sandbox],
) -> None:
    bot, sandbox = bot_and_sandbox
    config_id = await code_for(sandbox, ["zhangsan"])
    scan = await sandbox.control("scan", {"config_id": config_id})
    assert scan["delivery"]["status"] == 500
    for _ in range(50):
        if len(bot.events) == 1:
            break
        await asyncio.sleep(0.05)
    assert len(bot.bodies) == 3 and len(set(bot.bodies)) == 1  # same query string and body
    attempts = [r["data"]["attempt"] for r in await sandbox.records("callback")]
    assert attempts == [1, 2, 3]


async def test_welcome_codes_are_single_use_and_expire(
    bot_and_sandbox: tuple[FakeBot, Sandbox],
) -> None:
    _, sandbox = bot_and_sandbox
    config_id = await code_for(sandbox, ["zhangsan"])
    scan = await sandbox.control("scan", {"config_id": config_id})
    send = {"welcome_code": scan["welcome_code"], "text": {"content": "你好"}}
    assert (await cgi(sandbox, "externalcontact/send_welcome_msg", send))["errcode"] == 0
    assert (await cgi(sandbox, "externalcontact/send_welcome_msg", send))["errcode"] == 41051
    late = await sandbox.control("scan", {"config_id": config_id})
    await asyncio.sleep(0.35)  # welcome_code_ttl is 0.3 s in this fixture
    expired = await cgi(
        sandbox,
        "externalcontact/send_welcome_msg",
        {"welcome_code": late["welcome_code"], "text": {"content": "迟到"}},
    )
    assert expired["errcode"] == 40058 and "expired" in expired["errmsg"]
    assert [r["data"]["text"] for r in await sandbox.records("welcome")] == ["你好"]


async def test_welcome_content_limits(bot_and_sandbox: tuple[FakeBot, Sandbox]) -> None:
    _, sandbox = bot_and_sandbox
    config_id = await code_for(sandbox, ["zhangsan"])
    scan = await sandbox.control("scan", {"config_id": config_id})
    link = {"msgtype": "link", "link": {"title": "t", "url": "https://example.com"}}
    too_many = {"welcome_code": scan["welcome_code"], "attachments": [link] * 10}
    assert (await cgi(sandbox, "externalcontact/send_welcome_msg", too_many))["errcode"] == 40058
    too_long = {"welcome_code": scan["welcome_code"], "text": {"content": "字" * 1400}}
    assert (await cgi(sandbox, "externalcontact/send_welcome_msg", too_long))["errcode"] == 45002
    nine = {"welcome_code": scan["welcome_code"], "attachments": [link] * 9}
    assert (await cgi(sandbox, "externalcontact/send_welcome_msg", nine))["errcode"] == 0


async def test_mark_tag_rules_and_records(bot_and_sandbox: tuple[FakeBot, Sandbox]) -> None:
    _, sandbox = bot_and_sandbox
    config_id = await code_for(sandbox, ["zhangsan"])
    scan = await sandbox.control("scan", {"config_id": config_id, "name": "李华"})
    added = await cgi(
        sandbox, "externalcontact/add_corp_tag", {"group_name": "意向", "tag": [{"name": "高"}]}
    )
    tag_id = added["tag_group"]["tag"][0]["id"]
    mark = {"userid": "zhangsan", "external_userid": scan["external_userid"]}
    assert (await cgi(sandbox, "externalcontact/mark_tag", {**mark, "add_tag": ["nope"]}))[
        "errcode"
    ] == 40068
    assert (await cgi(sandbox, "externalcontact/mark_tag", mark))["errcode"] == 40058
    stranger = {"userid": "lisi", "external_userid": scan["external_userid"], "add_tag": [tag_id]}
    assert (await cgi(sandbox, "externalcontact/mark_tag", stranger))["errcode"] == 84061
    assert (await cgi(sandbox, "externalcontact/mark_tag", {**mark, "add_tag": [tag_id]}))[
        "errcode"
    ] == 0
    records = await sandbox.records("mark_tag")
    assert [r["data"]["add_tag"] for r in records] == [[tag_id]]
    detail = await cgi(
        sandbox, "externalcontact/get", {"external_userid": scan["external_userid"]}
    )
    assert detail["follow_user"][0]["tags"][0]["tag_name"] == "高"
    async with sandbox.http.get(f"{sandbox.url}/sandbox/") as r:
        page = await r.text()
    assert "李华" in page and "高" in page


async def test_join_way_and_app_message_rules(sandbox: Sandbox) -> None:
    chats = [
        (await sandbox.control("groups", {"owner": "zhangsan", "name": f"群{i}"}))["chat_id"]
        for i in range(6)
    ]
    six = await cgi(
        sandbox, "externalcontact/groupchat/add_join_way", {"scene": 2, "chat_id_list": chats}
    )
    assert six["errcode"] == 40058
    five = await cgi(
        sandbox,
        "externalcontact/groupchat/add_join_way",
        {"scene": 2, "chat_id_list": chats[:5], "state": "grp"},
    )
    assert five["errcode"] == 0
    nobody = {
        "touser": "ghost1|ghost2",
        "msgtype": "text",
        "agentid": 1000002,
        "text": {"content": "提醒"},
    }
    assert (await cgi(sandbox, "message/send", nobody))["errcode"] == 81013
    some = {**nobody, "touser": "zhangsan|ghost1"}
    sent = await cgi(sandbox, "message/send", some)
    assert sent["errcode"] == 0 and sent["invaliduser"] == "ghost1"
    notes = await sandbox.records("notification")
    assert [n["data"]["touser"] for n in notes] == [["zhangsan"]]


async def test_bad_json_gets_wecoms_warning(sandbox: Sandbox) -> None:
    async with sandbox.http.get(
        f"{sandbox.url}/cgi-bin/gettoken",
        params={"corpid": CORP_ID, "corpsecret": "test-corp-secret"},
    ) as r:
        token = (await r.json())["access_token"]
    async with sandbox.http.post(
        f"{sandbox.url}/cgi-bin/externalcontact/mark_tag",
        params={"access_token": token},
        data=b"{nope",
    ) as r:
        answer = await r.json()
    assert answer["errcode"] == 47001 and "Warning: wrong json format." in answer["errmsg"]


async def test_state_file_keeps_the_world_across_restarts(tmp_path: Any) -> None:
    path = str(tmp_path / "sandbox.pickle")
    server, http = await start_sandbox(sandbox_config(state_file=path))
    first = Sandbox(server, http)
    config_id = await code_for(first, ["zhangsan"])
    scan = await first.control("scan", {"config_id": config_id, "name": "陈静"})
    await http.close()
    await server.close()  # cleanup saves the world

    server, http = await start_sandbox(sandbox_config(state_file=path))
    second = Sandbox(server, http)
    try:
        detail = await cgi(
            second, "externalcontact/get", {"external_userid": scan["external_userid"]}
        )
        assert detail["external_contact"]["name"] == "陈静"
        assert [r["kind"] for r in await second.records("scan")] == ["scan"]
    finally:
        await http.close()
        await server.close()


async def test_scrm_bot_sandbox_command_serves_the_configured_corp(tmp_path: Any) -> None:
    import os
    import socket
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "SCRM_WECOM_CORP_ID": CORP_ID,
        "SCRM_WECOM_TOKEN": TOKEN,
        "SCRM_WECOM_AES_KEY": AES_KEY,
        "SCRM_WECOM_SECRET": "s3cret",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "sandbox",
        "--port",
        str(port),
        "--staff",
        "amy:艾米",
        env=env,
        cwd=tmp_path,
    )
    try:
        import aiohttp

        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(
                        f"http://127.0.0.1:{port}/cgi-bin/gettoken",
                        params={"corpid": CORP_ID, "corpsecret": "s3cret"},
                    ) as r:
                        token = (await r.json())["access_token"]
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            async with http.get(
                f"http://127.0.0.1:{port}/cgi-bin/externalcontact/get_follow_user_list",
                params={"access_token": token},
            ) as r:
                assert (await r.json())["follow_user"] == ["amy"]
    finally:
        proc.terminate()
        await proc.wait()
