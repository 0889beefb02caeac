"""The sandbox pages customers and groups like WeCom, and seeds a corp's pre-existing world."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.wecom.sandbox_fixtures import Sandbox, sandbox_config, start_sandbox
from tests.wecom.test_sandbox import cgi, code_for
from wecom.client import WeComClient
from wecom.client.models.contacts import BatchGetByUser
from wecom.client.models.groups import GroupChatListRequest
from wecom.sandbox.gate import WORLD

CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff]{2,3}$")
STAFF = ["zhangsan", "lisi", "wangwu"]


async def state(sandbox: Sandbox) -> dict[str, Any]:
    async with sandbox.http.get(f"{sandbox.url}/sandbox/state") as r:
        return dict(next(iter((await r.json()).values())))


def active_pairs(world: dict[str, Any], users: list[str]) -> set[tuple[str, str]]:
    return {
        (r["userid"], r["external_userid"])
        for r in world["relations"]
        if r["active"] and r["userid"] in users
    }


async def test_batch_get_by_user_pages_every_relation_once(sandbox: Sandbox) -> None:
    made = await sandbox.control("world", {"seed": 7, "customers_per_member": 70, "shared": 0.2})
    assert made["customers"] == 210 and made["relations"] > 210  # some have two followers
    first = (await state(sandbox))["relations"][0]
    await sandbox.control(
        "customer_deletes_staff",
        {"userid": first["userid"], "external_userid": first["external_userid"]},
    )
    expected = active_pairs(await state(sandbox), STAFF)
    seen: list[tuple[str, str]] = []
    cursor, pages = "", 0
    while True:
        page = await cgi(
            sandbox,
            "externalcontact/batch/get_by_user",
            {"userid_list": STAFF, "cursor": cursor, "limit": 100},
        )
        assert page["errcode"] == 0, page
        assert len(page["external_contact_list"]) <= 100
        seen += [
            (i["follow_info"]["userid"], i["external_contact"]["external_userid"])
            for i in page["external_contact_list"]
        ]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == (len(expected) + 99) // 100 >= 3
    assert len(seen) == len(set(seen)) and set(seen) == expected
    assert (first["userid"], first["external_userid"]) not in seen  # ended: not listed
    default = await cgi(sandbox, "externalcontact/batch/get_by_user", {"userid_list": STAFF})
    assert len(default["external_contact_list"]) == 50 and default["next_cursor"]


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"userid_list": STAFF, "limit": 101}, 40058),
        ({"userid_list": STAFF, "limit": 0}, 40058),
        ({"userid_list": STAFF, "limit": "50"}, 40058),
        ({"userid_list": [f"u{i}" for i in range(101)]}, 40058),
        ({"userid_list": []}, 40058),
        ({"userid_list": STAFF, "cursor": "not-a-cursor"}, 40058),
    ],
)
async def test_batch_get_by_user_refuses_what_wecom_refuses(
    sandbox: Sandbox, body: dict[str, Any], errcode: int
) -> None:
    assert (await cgi(sandbox, "externalcontact/batch/get_by_user", body))["errcode"] == errcode


async def test_the_client_reads_names_avatars_and_follow_info(
    sandbox: Sandbox, wecom: WeComClient
) -> None:
    await sandbox.control("world", {"seed": 3, "customers_per_member": 5, "remarks": 1.0})
    page = await wecom.batch_get_by_user(BatchGetByUser(userid_list=["lisi"], limit=100))
    assert len(page.external_contact_list) >= 5 and page.next_cursor == ""
    for item in page.external_contact_list:
        contact, info = item.external_contact, item.follow_info
        assert CHINESE_NAME.match(contact.name) and contact.gender in (1, 2)
        assert contact.avatar and contact.avatar.endswith(f"{contact.external_userid}.svg")
        assert info.userid == "lisi" and info.createtime > 0 and info.remark
    async with sandbox.http.get(str(page.external_contact_list[0].external_contact.avatar)) as r:
        assert r.status == 200 and r.content_type == "image/svg+xml"
        assert page.external_contact_list[0].external_contact.name[0] in await r.text()


async def test_externalcontact_get_pages_followers_beyond_500(sandbox: Sandbox) -> None:
    await sandbox.control("world", {"members": 603})
    world = sandbox.server.app[WORLD].corp(None)
    assert world is not None
    members = list(world.staff)
    ext = "wmsharedbyeveryone"
    await sandbox.control(
        "friends", {"friends": [{"userid": u, "external_userid": ext} for u in members]}
    )
    await sandbox.control("customer_deletes_staff", {"userid": members[0], "external_userid": ext})
    first = await cgi(sandbox, f"externalcontact/get?external_userid={ext}")
    assert len(first["follow_user"]) == 500 and first["next_cursor"]
    rest = await cgi(
        sandbox, f"externalcontact/get?external_userid={ext}&cursor={first['next_cursor']}"
    )
    assert len(rest["follow_user"]) == 102 and rest["next_cursor"] == ""
    followers = [f["userid"] for f in first["follow_user"] + rest["follow_user"]]
    assert sorted(followers) == sorted(members[1:])
    assert CHINESE_NAME.match(first["external_contact"]["name"])
    unknown = await cgi(sandbox, "externalcontact/get?external_userid=wmnobody")
    assert unknown["errcode"] == 40096
    await sandbox.control("friends", {"friends": [{"userid": "lisi", "external_userid": "wmx"}]})
    await sandbox.control("staff_deletes_customer", {"userid": "lisi", "external_userid": "wmx"})
    gone = await cgi(sandbox, "externalcontact/get?external_userid=wmx")
    assert gone["errcode"] == 84061


async def test_groupchat_list_pages_and_filters(sandbox: Sandbox, wecom: WeComClient) -> None:
    made = await sandbox.control(
        "world", {"seed": 5, "customers_per_member": 10, "groups": 25, "group_size": 4}
    )
    assert made["groups"] == 25
    all_ids = [g["chat_id"] for g in (await state(sandbox))["groups"]]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await wecom.list_group_chats(GroupChatListRequest(limit=10, cursor=cursor))
        seen += [g.chat_id for g in page.group_chat_list]
        pages += 1
        cursor = page.next_cursor or None
        if cursor is None:
            break
    assert pages == 3 and seen == all_ids
    owned = {g["chat_id"] for g in (await state(sandbox))["groups"] if g["owner"] == "lisi"}
    mine = await cgi(
        sandbox,
        "externalcontact/groupchat/list",
        {"limit": 1000, "owner_filter": {"userid_list": ["lisi"]}},
    )
    assert {g["chat_id"] for g in mine["group_chat_list"]} == owned
    await sandbox.control("staff", {"userid": "lisi", "name": "李四", "resigned": True})
    waiting = await cgi(
        sandbox, "externalcontact/groupchat/list", {"limit": 1000, "status_filter": 1}
    )
    assert {g["chat_id"] for g in waiting["group_chat_list"]} == owned
    assert all(g["status"] == 1 for g in waiting["group_chat_list"])
    for body in (
        {},
        {"limit": 1001},
        {"limit": 10, "status_filter": 4},
        {"limit": 10, "owner_filter": {"userid_list": [f"u{i}" for i in range(101)]}},
    ):
        assert (await cgi(sandbox, "externalcontact/groupchat/list", body))["errcode"] == 40058


async def test_groupchat_get_names_members_only_when_asked(sandbox: Sandbox) -> None:
    await sandbox.control("world", {"seed": 9, "customers_per_member": 8, "groups": 3})
    world = await state(sandbox)
    names = {c["external_userid"]: c["name"] for c in world["customers"]}
    chat_id = world["groups"][0]["chat_id"]
    plain = await cgi(sandbox, "externalcontact/groupchat/get", {"chat_id": chat_id})
    named = await cgi(
        sandbox, "externalcontact/groupchat/get", {"chat_id": chat_id, "need_name": 1}
    )
    group = named["group_chat"]
    assert all("name" not in m for m in plain["group_chat"]["member_list"])
    assert group["admin_list"] and group["owner"] in {m["userid"] for m in group["member_list"]}
    customers = [m for m in group["member_list"] if m["type"] == 2]
    owners_customers = {
        r["external_userid"] for r in world["relations"] if r["userid"] == group["owner"]
    }
    assert {m["userid"] for m in customers} == owners_customers  # group_size 20 > all of them
    for member in customers:
        assert member["name"] == names[member["userid"]]
        assert member["join_time"] >= group["create_time"] and member["join_scene"] in (1, 2, 3)
        assert "group_nickname" in member
        assert ("invitor" in member) is (member["join_scene"] != 3)
    staff = [m for m in group["member_list"] if m["type"] == 1]
    assert {m["name"] for m in staff} <= {"张三", "李四", "王五"}


async def test_scanned_customers_get_made_up_names_genders_and_avatars(sandbox: Sandbox) -> None:
    config_id = await code_for(sandbox, ["zhangsan"])
    scanned = await sandbox.control("scan", {"config_id": config_id})
    assert CHINESE_NAME.match(scanned["name"])
    got = await cgi(sandbox, f"externalcontact/get?external_userid={scanned['external_userid']}")
    assert got["external_contact"]["name"] == scanned["name"]
    assert got["external_contact"]["gender"] in (1, 2) and got["external_contact"]["avatar"]
    named = await sandbox.control("scan", {"config_id": config_id, "name": "王小明"})
    assert named["name"] == "王小明"
    nameless = await sandbox.control("scan", {"config_id": config_id, "name": ""})
    got = await cgi(sandbox, f"externalcontact/get?external_userid={nameless['external_userid']}")
    assert got["external_contact"]["name"] == ""  # kept: WeCom answers some accounts so


async def test_a_seeded_world_is_the_same_for_the_same_seed() -> None:
    worlds = []
    for seed in (11, 11, 12):
        server, http = await start_sandbox(sandbox_config())
        box = Sandbox(server, http)
        await box.control("world", {"seed": seed, "customers_per_member": 20, "groups": 2})
        world = await state(box)
        worlds.append(
            (
                [(c["external_userid"], c["name"], c["gender"]) for c in world["customers"]],
                [(r["remark"], r["add_way"]) for r in world["relations"]],
                [g["chat_id"] for g in world["groups"]],
            )
        )
        await http.close()
        await server.close()
    assert worlds[0] == worlds[1] and worlds[0] != worlds[2]


async def test_seeding_a_world_sends_no_callbacks_and_checks_its_input(sandbox: Sandbox) -> None:
    made = await sandbox.control(
        "world", {"members": 10, "customers_per_member": 50, "groups": 5, "seed": 1}
    )
    assert made["members"] == 10 and made["customers"] == 500 and made["group_members"] > 5
    assert await sandbox.records("callback") == []
    assert (await sandbox.records("world"))[0]["data"]["customers"] == 500
    for body in (
        {"members": "ten"},
        {"shared": 1.5},
        {"groups": -1},
        {"tags": 1},
        {"customers_per_member": 10_000, "members": 100},
    ):
        async with sandbox.http.post(f"{sandbox.url}/sandbox/world", json=body) as r:
            assert r.status == 400 and "error" in await r.json()


@pytest.mark.parametrize(
    ("api", "body"),
    [
        ("externalcontact/batch/get_by_user", {"userid_list": STAFF}),
        ("externalcontact/get?external_userid=wmfriend", {}),
        ("externalcontact/groupchat/list", {"limit": 10}),
        ("externalcontact/groupchat/get", {"chat_id": "CHAT"}),
    ],
)
async def test_the_rate_limit_covers_the_sync_apis(
    sandbox: Sandbox, api: str, body: dict[str, Any]
) -> None:
    await sandbox.control("world", {"customers_per_member": 1, "groups": 1})
    await sandbox.control(
        "friends", {"friends": [{"userid": "lisi", "external_userid": "wmfriend"}]}
    )
    chat_id = (await state(sandbox))["groups"][0]["chat_id"]
    body = {k: chat_id if v == "CHAT" else v for k, v in body.items()}
    await sandbox.control("settings", {"rate_per_minute": 2})
    codes = [(await cgi(sandbox, api, body))["errcode"] for _ in range(3)]
    assert codes == [0, 0, 45009]
