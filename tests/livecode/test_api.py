"""The live-code API against the sandbox: WeCom kept in step, landing allocation, statistics."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from scrm.infra import keys
from scrm.models import Corp, FollowRelation
from scrm.models.livecode import LiveCode, LiveCodeAdd
from tests.livecode.conftest import Linked

SPEC: dict[str, Any] = {
    "name": "门店海报",
    "channel": "门店",
    "campaign": "周年庆",
    "strategy": "round_robin",
    "members": [
        {"userid": "zhangsan", "daily_quota": 2},
        {"userid": "lisi", "daily_quota": 1},
        {"userid": "wangwu", "backup": True},
    ],
    "welcome_text": "{客户昵称}您好，我是{员工姓名}",
    "welcome_variants": [
        {
            "weekdays": [1, 2, 3, 4, 5, 6, 7],
            "start": "00:00",
            "end": "24:00",
            "text": "{员工姓名}为您服务（{渠道}）",
        }
    ],
    "remark_template": "{渠道}-{活动}",
}


async def way(linked: Linked, config_id: str) -> dict[str, Any]:
    got = await linked.client.get_contact_way(config_id)
    return got.contact_way.model_dump()


async def test_auth_and_openapi(linked: Linked) -> None:
    resp = await linked.bot.get("/api/v1/livecodes")
    assert resp.status == 401
    doc = await (await linked.bot.get("/api/openapi.json")).json()
    assert "/api/v1/livecodes/{id}/stats" in doc["paths"]
    assert "LiveCodeSpec" in doc["components"]["schemas"]


async def test_bad_specs_get_clear_422s(linked: Linked) -> None:
    bad = {**SPEC, "state": "x" * 31}
    body = await linked.api("POST", "/api/v1/livecodes", bad, status=422)
    assert body["details"][0]["loc"] == "state"
    body = await linked.api(
        "POST", "/api/v1/livecodes", {**SPEC, "schedule": {"9": [["09:00", "10:00"]]}}, 422
    )
    assert "ISO weekday" in body["details"][0]["msg"]
    ghost = {**SPEC, "members": [{"userid": "ghost"}]}
    body = await linked.api("POST", "/api/v1/livecodes", ghost, status=422)
    assert "成员不存在" in body["error"] and body["errcode"] == 40003
    assert await LiveCode.all().count() == 0  # nothing half-created


async def test_landing_allocates_with_quotas_then_backup_then_stats(linked: Linked) -> None:
    code = await linked.api("POST", "/api/v1/livecodes", SPEC, status=201)
    assert code["qr_url"].endswith(f"/l/{code['id']}")
    picks = []
    for _ in range(5):
        resp = await linked.bot.get(f"/l/{code['id']}", params={"format": "json"})
        picks.append(await resp.json())
    assert [p["userid"] for p in picks] == ["zhangsan", "lisi", "zhangsan", "wangwu", "wangwu"]
    html = await (await linked.bot.get(f"/l/{code['id']}")).text()
    assert "长按识别二维码" in html and "王五" in html
    # Each customer scans the member's own QR in WeCom (the sandbox).
    for pick in picks[:3]:
        await linked.sandbox.control("scan", {"config_id": pick["config_id"], "name": "顾客"})
    await linked.drain()
    welcomes = await linked.sandbox.records("welcome")
    assert sorted(w["data"]["text"] for w in welcomes) == [
        "张三为您服务（门店）",
        "张三为您服务（门店）",
        "李四为您服务（门店）",
    ]
    remarks = await linked.sandbox.records("remark")
    assert {r["data"]["remark"] for r in remarks} == {"门店-周年庆"}
    stats = await linked.api("GET", f"/api/v1/livecodes/{code['id']}/stats?days=1")
    today = stats["days"][0]
    assert (today["scans"], today["adds"], today["welcome_sent"]) == (6, 3, 3)
    used = {m["userid"]: m["quota_used_today"] for m in stats["members"]}
    assert used == {"zhangsan": 2, "lisi": 1, "wangwu": 0}  # backups are not counted


async def test_customer_leaving_counts_as_a_loss(linked: Linked) -> None:
    code = await linked.api("POST", "/api/v1/livecodes", {**SPEC, "strategy": "native"}, 201)
    scan = await linked.sandbox.control("scan", {"config_id": code["config_id"]})
    await linked.drain()
    await linked.sandbox.control(
        "customer_deletes_staff",
        {"userid": scan["userid"], "external_userid": scan["external_userid"]},
    )
    await linked.drain()
    stats = await linked.api("GET", f"/api/v1/livecodes/{code['id']}/stats?days=1")
    assert stats["days"][0]["losses"] == 1 and stats["days"][0]["scans"] is None


async def test_native_code_drops_a_member_at_quota_and_pause_stops_landing(linked: Linked) -> None:
    spec = {
        **SPEC,
        "strategy": "native",
        "members": [{"userid": "zhangsan", "daily_quota": 1}, {"userid": "lisi"}],
    }
    code = await linked.api("POST", "/api/v1/livecodes", spec, status=201)
    assert sorted((await way(linked, code["config_id"]))["user"]) == ["lisi", "zhangsan"]
    first = await linked.sandbox.control("scan", {"config_id": code["config_id"]})
    assert first["userid"] == "zhangsan"
    await linked.drain()
    # zhangsan reached the quota: WeCom's code now hands out lisi only.
    assert (await way(linked, code["config_id"]))["user"] == ["lisi"]
    later = [
        await linked.sandbox.control("scan", {"config_id": code["config_id"]}) for _ in range(3)
    ]
    assert {s["userid"] for s in later} == {"lisi"}

    rr = await linked.api("POST", "/api/v1/livecodes", {**SPEC, "name": "b"}, status=201)
    paused = await linked.api("POST", f"/api/v1/livecodes/{rr['id']}/pause")
    assert paused["status"] == "paused"
    assert (await linked.bot.get(f"/l/{rr['id']}", params={"format": "json"})).status == 410


async def test_edit_rebuilds_ways_and_delete_removes_them(linked: Linked) -> None:
    code = await linked.api("POST", "/api/v1/livecodes", SPEC, status=201)
    old = list((await LiveCode.get(id=code["id"]).prefetch_related("members")).members)
    edited = {**SPEC, "members": [{"userid": "lisi"}]}
    out = await linked.api("PUT", f"/api/v1/livecodes/{code['id']}", edited)
    assert [m["userid"] for m in out["members"]] == ["lisi"]
    state = await (await linked.sandbox.http.get(f"{linked.sandbox.url}/sandbox/state")).json()
    ways = {w["config_id"] for w in next(iter(state.values()))["contact_ways"]}
    assert not ways & {m.config_id for m in old} and len(ways) == 1
    await linked.api("DELETE", f"/api/v1/livecodes/{code['id']}")
    state = await (await linked.sandbox.http.get(f"{linked.sandbox.url}/sandbox/state")).json()
    assert next(iter(state.values()))["contact_ways"] == []


async def test_500_concurrent_landing_hits_never_exceed_quotas(linked: Linked) -> None:
    spec = {
        **SPEC,
        "members": [
            {"userid": "zhangsan", "daily_quota": 120},
            {"userid": "lisi", "daily_quota": 80},
            {"userid": "wangwu", "backup": True},
        ],
    }
    code = await linked.api("POST", "/api/v1/livecodes", spec, status=201)

    async def hit() -> str:
        resp = await linked.bot.get(f"/l/{code['id']}", params={"format": "json"})
        return str((await resp.json())["userid"])

    got = Counter(await asyncio.gather(*(hit() for _ in range(500))))
    assert got == {"zhangsan": 120, "lisi": 80, "wangwu": 300}
    corp = await Corp.get()
    assert await FollowRelation.filter(corp_id=corp.id).count() == 0  # allocation ≠ add
    assert await LiveCodeAdd.all().count() == 0


async def test_member_without_permission_and_offline_toggle(linked: Linked) -> None:
    # WeCom refuses a member who lacks customer-contact permission (84074).
    await linked.sandbox.control(
        "faults", {"api": "externalcontact/add_contact_way", "errcode": 84074, "count": 1}
    )
    body = await linked.api("POST", "/api/v1/livecodes", SPEC, status=422)
    assert body["errcode"] == 84074 and "未开通客户联系" in body["error"]
    assert await LiveCode.all().count() == 0

    spec = {**SPEC, "strategy": "native", "members": [{"userid": "zhangsan"}, {"userid": "lisi"}]}
    code = await linked.api("POST", "/api/v1/livecodes", spec, status=201)
    await linked.api(
        "POST", f"/api/v1/livecodes/{code['id']}/members/zhangsan/online", {"online": False}
    )
    assert (await way(linked, code["config_id"]))["user"] == ["lisi"]
    await linked.api(
        "POST",
        f"/api/v1/livecodes/{code['id']}/members/nobody/online",
        {"online": False},
        status=404,
    )


async def test_department_pool_expands_and_picks_up_new_hires(linked: Linked) -> None:
    from livecode.sync import sync_code

    spec = {**SPEC, "strategy": "native", "members": [], "departments": [1], "department_quota": 5}
    code = await linked.api("POST", "/api/v1/livecodes", spec, status=201)
    assert sorted(m["userid"] for m in code["members"]) == ["lisi", "wangwu", "zhangsan"]
    assert all(m["daily_quota"] == 5 for m in code["members"])
    await linked.sandbox.control("staff", {"userid": "zhaoliu", "name": "赵六", "department": [1]})
    row = await LiveCode.get(id=code["id"])
    corp = await Corp.get()
    await sync_code(row, linked.client, corp, linked.bot.app[keys.ARQ])  # the minute cron
    assert sorted((await way(linked, code["config_id"]))["user"]) == [
        "lisi",
        "wangwu",
        "zhangsan",
        "zhaoliu",
    ]
    empty = await linked.api(
        "POST", "/api/v1/livecodes", {**spec, "departments": [99]}, status=422
    )
    assert "没有可分配的成员" in empty["error"]


async def test_one_customer_one_owner_routes_a_returning_customer_back(linked: Linked) -> None:
    spec = {
        **SPEC,
        "strategy": "native",
        "one_owner": True,
        "members": [{"userid": "zhangsan"}, {"userid": "lisi"}],
    }
    code = await linked.api("POST", "/api/v1/livecodes", spec, status=201)
    first = await linked.sandbox.control(
        "scan", {"config_id": code["config_id"], "external_userid": "wmBack", "name": "回头客"}
    )
    await linked.drain()
    again = await linked.sandbox.control(
        "scan", {"config_id": code["config_id"], "external_userid": "wmBack"}
    )
    await linked.drain()
    assert (first["userid"], again["userid"]) == ("zhangsan", "lisi")
    welcomes = [w["data"] for w in await linked.sandbox.records("welcome")]
    assert welcomes[-1]["text"] == "您好，您的专属顾问张三会继续为您服务。"
    (transfer,) = [t["data"] for t in await linked.sandbox.records("transfer")]
    assert (transfer["handover"], transfer["takeover"]) == ("lisi", "zhangsan")
    notes = await linked.sandbox.records("notification")
    assert (
        notes[-1]["data"]["touser"] == ["zhangsan"] and "一客一主" in notes[-1]["data"]["content"]
    )


async def test_landing_without_redis_says_try_again_and_takes_no_quota(linked: Linked) -> None:
    body = await linked.api("POST", "/api/v1/livecodes", SPEC, status=201)
    redis = linked.bot.app[keys.ARQ]
    pool = redis.connection_pool
    port = pool.connection_kwargs["port"]
    # Redis goes away: every new connection is refused (a port nothing listens on).
    await pool.disconnect()
    pool.connection_kwargs["port"] = 1
    pool.reset()  # forget the connections made to the real port
    try:
        resp = await linked.bot.get(f"/l/{body['id']}")
        assert resp.status == 503 and resp.headers["Retry-After"] == "5"
        assert "请稍后再扫码" in await resp.text()
        resp = await linked.bot.get(f"/l/{body['id']}", params={"format": "json"})
        assert resp.status == 503 and (await resp.json())["error"] == "unavailable"
    finally:
        await pool.disconnect()
        pool.connection_kwargs["port"] = port
        pool.reset()
    # Back up: the next scan is allocated as usual, the failed ones took nothing.
    resp = await linked.bot.get(f"/l/{body['id']}", params={"format": "json"})
    assert resp.status == 200 and (await resp.json())["userid"] == "zhangsan"
