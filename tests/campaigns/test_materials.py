"""The 素材库 API: kinds and their required fields, bounds, category, search, use counts, and
attachments built from materials (expired media refused, at most 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from scrm.models import Material
from scrm.services import materials, radar
from tests.campaigns.helpers import customers
from tests.livecode.conftest import AUTH, Linked


async def test_kinds_bounds_search_and_categories(linked: Linked) -> None:
    good = [
        {"kind": "text", "category": "开场", "title": "问候", "content": "您好，有什么可以帮您"},
        {
            "kind": "image",
            "category": "海报",
            "title": "门店图",
            "url": "https://p.example.com/a.png",
        },
        {
            "kind": "link",
            "category": "活动",
            "title": "会员日",
            "url": "https://e.example.com/x",
            "tracked": True,
        },
        {
            "kind": "miniprogram",
            "title": "商城",
            "appid": "wx123",
            "page": "pages/index",
        },
    ]
    ids = [(await linked.api("POST", "/api/v1/materials", m, 201))["id"] for m in good]
    bad = [
        {"kind": "text", "title": "空"},
        {"kind": "link", "title": "无地址"},
        {"kind": "link", "title": "x", "url": "javascript:alert(1)"},
        {"kind": "image", "title": "x", "url": "https://a", "tracked": True},
        {"kind": "miniprogram", "title": "x"},
        {"kind": "sticker", "title": "x", "content": "x"},
        {"kind": "text", "title": "x" * 129, "content": "x"},
        {"kind": "text", "title": "x", "content": "x", "category": "c" * 33},
    ]
    for body in bad:
        await linked.api("POST", "/api/v1/materials", body, 422)
    listed = await linked.api("GET", "/api/v1/materials?q=会员")
    assert [m["id"] for m in listed["items"]] == [ids[2]]
    assert listed["categories"] == ["开场", "活动", "海报"]
    assert (await linked.api("GET", "/api/v1/materials?kind=image"))["total"] == 1
    assert (await linked.api("GET", "/api/v1/materials?category=开场"))["total"] == 1
    one = await linked.api("GET", f"/api/v1/materials/{ids[3]}")
    assert one["media_id"] is False and one["media_expires_at"] is None
    await linked.api("DELETE", f"/api/v1/materials/{ids[0]}")
    await linked.api("GET", f"/api/v1/materials/{ids[0]}", status=404)
    await linked.api("GET", "/api/v1/materials?page=abc", status=422)


async def test_attachments_from_materials(linked: Linked) -> None:
    link = await Material.create(
        corp_id=1, kind="link", title="会员日", url="https://e.example.com/x", tracked=True
    )
    file = await Material.create(
        corp_id=1,
        kind="file",
        title="价目表",
        media_id="m-old",
        media_expires_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    claim = radar.Claim(1, 0, "zhangsan", "", "mass:7")
    text, atts = materials.compose("你好", [link], base_url="https://s.example.com", claim=claim)
    token = atts[0]["link"]["url"].removeprefix("https://s.example.com/r/")
    assert text == "你好" and radar.read(token) == radar.Claim(
        1, link.id, "zhangsan", "", "mass:7"
    )
    with pytest.raises(materials.MaterialError, match="过期"):
        materials.compose("", [file], base_url="", claim=None)
    image = await Material.create(corp_id=1, kind="image", title="图", url="https://p/a.png")
    with pytest.raises(materials.MaterialError, match="9"):
        materials.compose("", [image] * 10, base_url="", claim=None)
    # A token changed by one character is refused.
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert radar.read(forged) is None


async def test_file_uploaded_once_renewed_before_three_days_and_sent(linked: Linked) -> None:
    from scrm.infra import keys
    from scrm.models import MassSendTask
    from scrm.services import materials_media

    await customers(linked, 2, tagged=0)
    made = await linked.api(
        "POST", "/api/v1/materials", {"kind": "file", "title": "价目表", "category": "资料"}, 201
    )
    form = aiohttp.FormData()
    form.add_field("file", b"%PDF-1.4 price list", filename="price.pdf")
    resp = await linked.bot.post(f"/api/v1/materials/{made['id']}/media", data=form, headers=AUTH)
    assert resp.status == 201, await resp.text()
    first = await Material.get(id=made["id"])
    assert first.media_id and first.blob == b"%PDF-1.4 price list"
    expires = first.media_expires_at
    assert expires is not None
    for_corp = linked.bot.app[keys.CLIENTS].for_corp
    # Two days on: not yet due. A day before expiry: uploaded again, a new id.
    assert await materials_media.renew_due(for_corp, expires - timedelta(days=1, minutes=1)) == {
        "renewed": 0,
        "failed": 0,
    }
    got = await materials_media.renew_due(for_corp, expires - timedelta(hours=23))
    assert got == {"renewed": 1, "failed": 0}
    second = await Material.get(id=made["id"])
    assert second.media_id != first.media_id
    assert len(await linked.sandbox.records("media")) == 2
    # A 群发 carries the live media_id, and WeCom (the sandbox) takes it.
    body = {
        "name": "资料",
        "text": "价目表请查收",
        "material_ids": [made["id"]],
        "target": {"conditions": {}},
    }
    send = await linked.api("POST", "/api/v1/mass-sends", body, 201)
    await linked.drain()
    assert await MassSendTask.filter(send_id=send["id"]).exclude(msgid="").count() == 2
    sent = (await linked.sandbox.records("mass_message"))[-1]["data"]["attachments"]
    assert sent == [{"msgtype": "file", "file": {"media_id": second.media_id}}]
    # Only files, videos and mini-program covers are uploaded this way.
    text = await linked.api(
        "POST", "/api/v1/materials", {"kind": "text", "title": "t", "content": "x"}, 201
    )
    resp = await linked.bot.post(f"/api/v1/materials/{text['id']}/media", data=form, headers=AUTH)
    assert resp.status == 422
