"""Lead intake: each platform's signature, handshake, dedup, bad input, and the lead it makes."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from scrm.models import Lead, LeadEvent
from tests.leads.conftest import Linked

SECRET = "platform-secret-123"


async def source(linked: Linked, platform: str, key: str, **extra: Any) -> dict[str, Any]:
    body = {"platform": platform, "key": key, "secret": SECRET, "channel": platform, **extra}
    return dict(await linked.api("POST", "/api/v1/lead-sources", body, status=201))


def signed(
    platform: str, body: dict[str, Any], msg_id: str = "m1"
) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body, ensure_ascii=False).encode()
    if platform == "douyin":
        return raw, {
            "X-Douyin-Signature": hashlib.sha1(SECRET.encode() + raw).hexdigest(),
            "Msg-Id": msg_id,
        }
    if platform == "xiaohongshu":
        sig = hmac.new(SECRET.encode(), raw, hashlib.sha1).hexdigest()
        return raw, {"X-Red-Signature": f"sha1={sig}"}
    if platform == "kuaishou":
        return raw, {"kwaisign": hashlib.md5(raw + SECRET.encode()).hexdigest()}
    sig = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"X-Signature": sig, "X-Request-Id": msg_id}


def payload(platform: str, phone: str, name: str, msg: str) -> dict[str, Any]:
    lead = {"name": name, "telephone": phone, "city": "上海", "utm_source": "feed"}
    if platform == "douyin":
        return {"event": "clue_create", "client_key": "dykey", "content": json.dumps(lead)}
    if platform == "kuaishou":
        return {"taskId": msg, "data": lead}
    if platform == "xiaohongshu":
        return {"leads_id": msg, **lead}
    return {**lead, "answers": {"预算": "10万以上"}}


@pytest.mark.parametrize("platform", ["douyin", "xiaohongshu", "kuaishou", "form"])
async def test_each_platform_is_verified_deduped_and_becomes_a_lead(
    linked: Linked, platform: str
) -> None:
    key = "dykey" if platform == "douyin" else f"{platform}-1"
    await source(linked, platform, key, campaign="秋季")
    raw, headers = signed(platform, payload(platform, "138 0013 8000", "王小明", "m1"))
    url = f"/webhooks/{platform}" + ("" if platform == "douyin" else f"?key={key}")
    for _ in range(3):  # the platform's retries
        resp = await linked.bot.post(url, data=raw, headers=headers)
        assert resp.status == 200
    assert (await resp.json())["status"] == "duplicate"
    assert await LeadEvent.all().count() == 1
    await linked.drain()
    lead = await Lead.get()
    assert (lead.name, lead.city, lead.platform, lead.campaign) == (
        "王小明",
        "上海",
        platform,
        "秋季",
    )
    assert lead.phone == "13800138000" and lead.utm == {"utm_source": "feed"}
    # Stored encrypted, matched by the blind index — never in clear in the row.
    from tortoise import connections

    rows = await connections.get("default").execute_query_dict("SELECT phone FROM lead")
    assert "13800138000" not in str(rows)
    bad = dict(headers)
    for name in ("X-Douyin-Signature", "X-Red-Signature", "kwaisign", "X-Signature"):
        if name in bad:
            bad[name] = "0" * 40
    assert (await linked.bot.post(url, data=raw, headers=bad)).status == 401


async def test_handshake_unknowns_and_malformed(linked: Linked) -> None:
    await source(linked, "douyin", "dykey")
    challenge = {"event": "verify_webhook", "client_key": "dykey", "content": {"challenge": 12345}}
    resp = await linked.bot.post("/webhooks/douyin", json=challenge)
    assert resp.status == 200 and await resp.json() == {"challenge": 12345}
    assert (await linked.bot.post("/webhooks/baidu", data=b"{}")).status == 404
    assert (await linked.bot.post("/webhooks/form?key=nope", data=b"{}")).status == 404
    await source(linked, "form", "f1")
    raw, headers = signed("form", {"name": "x"})
    # Junk signed with another body's signature is unsigned junk: 401 before any parsing.
    resp = await linked.bot.post("/webhooks/form?key=f1", data=b"{not json", headers=headers)
    assert resp.status == 401
    junk_sig = hmac.new(SECRET.encode(), b"{not json", hashlib.sha256).hexdigest()
    resp = await linked.bot.post(
        "/webhooks/form?key=f1", data=b"{not json", headers={"X-Signature": junk_sig}
    )
    assert resp.status == 400 and "JSON" in (await resp.json())["error"]
    resp = await linked.bot.post("/webhooks/form?key=f1", data=b"x" * 70_000, headers=headers)
    assert resp.status == 413
    no_id = {
        k: v
        for k, v in signed("douyin", payload("douyin", "1", "a", "m"))[1].items()
        if k != "Msg-Id"
    }
    raw = signed("douyin", payload("douyin", "1", "a", "m"))[0]
    assert (await linked.bot.post("/webhooks/douyin", data=raw, headers=no_id)).status == 400
    assert await LeadEvent.all().count() == 0


async def test_same_person_across_channels_is_one_lead(linked: Linked) -> None:
    await source(linked, "form", "f1")
    await source(linked, "xiaohongshu", "x1")
    raw, headers = signed("form", payload("form", "13800138000", "王小明", "a"), msg_id="a")
    await linked.bot.post("/webhooks/form?key=f1", data=raw, headers=headers)
    raw, headers = signed(
        "xiaohongshu",
        {"leads_id": "b", "phone": "+86 138-0013-8000", "name": "小明", "job": "采购"},
    )
    await linked.bot.post("/webhooks/xiaohongshu?key=x1", data=raw, headers=headers)
    await linked.drain()
    (lead,) = await Lead.all()
    assert (lead.platform, lead.name, lead.touches) == ("form", "王小明", 2)  # first source kept
    assert lead.attributes["job"] == "采购" and lead.attributes["预算"] == "10万以上"
    detail = await linked.api("GET", f"/api/v1/leads/{lead.id}")
    assert [a["kind"] for a in detail["timeline"]][:2] == ["intake", "duplicate_intake"]
