"""The sidebar opens a customer the mirror never saw: read live from WeCom, shown by name."""

from __future__ import annotations

import json

from playwright.async_api import expect

from scrm.models import Customer, FollowRelation
from tests.e2e.conftest import UI
from tests.e2e.test_sidebar import WX_STUB, sign_in
from tests.livecode.conftest import Linked

NEVER_SEEN = "wmAddedBeforeConnect1"


async def test_sidebar_shows_a_customer_the_mirror_never_saw(ui: UI) -> None:
    # A friend of lisi's from before the service was connected: WeCom knows, we do not.
    friend = {"userid": "lisi", "external_userid": NEVER_SEEN, "name": "孙悦"}
    await ui.linked.sandbox.control("friends", {"friends": [friend]})
    assert not await Customer.exists(external_userid=NEVER_SEEN)
    page = ui.page
    await page.add_init_script(WX_STUB % json.dumps(NEVER_SEEN))
    await sign_in(ui, page, "lisi")
    await expect(page.locator("[data-testid=customer-name]")).to_have_text("孙悦")
    rel = await FollowRelation.get(customer__external_userid=NEVER_SEEN)
    assert (await rel.staff).userid == "lisi"


async def test_an_id_wecom_does_not_know_is_still_not_found(linked: Linked) -> None:
    await linked.api("GET", "/api/v1/sidebar/customer/wmNobodyAtAll000001", status=404)
    await linked.api("GET", "/api/v1/sidebar/customer/bad%20id%3B", status=404)
    assert not await Customer.exists(external_userid="wmNobodyAtAll000001")


async def test_the_card_api_fetches_live_once_then_reads_the_mirror(linked: Linked) -> None:
    ext = "wmAddedBeforeConnect2"
    friend = {"userid": "wangwu", "external_userid": ext, "name": "周密"}
    await linked.sandbox.control("friends", {"friends": [friend]})
    card = await linked.api("GET", f"/api/v1/sidebar/customer/{ext}")
    assert "周密" in json.dumps(card, ensure_ascii=False)
    async with linked.sandbox.http.get(f"{linked.sandbox.url}/sandbox/stats") as r:
        before = (await r.json())["calls"]["externalcontact/get"]
    await linked.api("GET", f"/api/v1/sidebar/customer/{ext}")
    async with linked.sandbox.http.get(f"{linked.sandbox.url}/sandbox/stats") as r:
        assert (await r.json())["calls"]["externalcontact/get"] == before
