"""The sidebar sends 素材库 materials through JS-SDK sendChatMessage; a 雷达 link is minted for
this member and this customer, and opening it is recorded without an OAuth hop."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from playwright.async_api import expect

from scrm.models import LinkOpen, Material
from scrm.services import radar
from tests.e2e.conftest import UI
from tests.e2e.test_sidebar import MINE, OTHER, WX_STUB, seed, sign_in, wx_calls
from tests.livecode.conftest import Linked


async def test_staff_send_materials_with_a_tracked_link(ui: UI) -> None:
    seeded = await seed(ui.linked)
    link = await Material.create(
        corp_id=seeded.corp.id,
        kind="link",
        category="活动",
        title="会员日",
        content="全场五折",
        url="https://shop.example.com/d12",
        tracked=True,
    )
    await Material.create(corp_id=seeded.corp.id, kind="text", title="问候", content="您好")
    page = ui.page
    await page.add_init_script(WX_STUB % json.dumps(MINE))
    await sign_in(ui, page, "lisi")
    await page.click("[data-testid=tab-replies]")
    await expect(page.locator("[data-testid=material]")).to_have_count(2)
    sends = "window.__wx.invoke.filter((c) => c.name === 'sendChatMessage').length"
    await page.click("[data-testid=material][data-title=会员日]")
    await page.wait_for_function(f"{sends} === 1")
    await expect(page.locator("#toast")).to_have_text("已发送到聊天")
    sent = [c["args"] for c in (await wx_calls(page))["invoke"] if c["name"] == "sendChatMessage"]
    news = sent[0]["news"]
    assert sent[0]["msgtype"] == "news" and news["title"] == "会员日"
    token = urlsplit(news["link"]).path.removeprefix("/r/")
    assert radar.read(token) == radar.Claim(seeded.corp.id, link.id, "lisi", MINE, "sidebar")
    # The customer opens it: no OAuth hop, straight to the target, recorded as theirs.
    resp = await ui.linked.bot.get(f"/r/{token}", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "https://shop.example.com/d12"
    assert await LinkOpen.filter(target_id=MINE, sender="lisi").count() == 1
    assert (await Material.get(id=link.id)).uses == 1


async def test_sidebar_material_api_scope(linked: Linked) -> None:
    seeded = await seed(linked)
    text = await Material.create(corp_id=seeded.corp.id, kind="text", title="问", content="您好")
    got = await linked.api("POST", f"/api/v1/sidebar/customer/{MINE}/materials/{text.id}/send")
    assert got["message"] == {"msgtype": "text", "text": {"content": "您好"}}
    await linked.api("POST", f"/api/v1/sidebar/customer/{MINE}/materials/999/send", status=404)
    await linked.api(
        "POST", f"/api/v1/sidebar/customer/nobody/materials/{text.id}/send", status=404
    )
    file = await Material.create(corp_id=seeded.corp.id, kind="file", title="价目表")
    await linked.api(
        "POST", f"/api/v1/sidebar/customer/{OTHER}/materials/{file.id}/send", status=422
    )
    listed = await linked.api("GET", "/api/v1/sidebar/materials")
    assert [i["title"] for c in listed["categories"] for i in c["items"]] == ["问"]
