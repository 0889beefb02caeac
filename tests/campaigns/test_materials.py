"""The 素材库 API: kinds and their required fields, bounds, category, search, use counts, and
attachments built from materials (expired media refused, at most 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scrm.models import Material
from scrm.services import materials, radar
from tests.livecode.conftest import Linked


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
            "media_id": "m1",
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
    assert one["media_id"] is True and one["media_expires_at"]
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
