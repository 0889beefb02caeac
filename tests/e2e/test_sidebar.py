"""The staff sidebar in Chromium with a stub `wx`: OAuth through the sandbox, JS-SDK signatures,
the customer card, tag edits reaching WeCom, a follow-up, and a quick reply sent to the chat.
Plus the sidebar API without a browser: scope, validation and the OAuth refusals."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from playwright.async_api import Page, Route, expect
from yarl import URL

from admin.api.accounts import create_user
from scrm.infra import keys
from scrm.models import (
    Corp,
    Customer,
    FollowRelation,
    FollowUp,
    Lead,
    LeadActivity,
    Opportunity,
    QuickReply,
    Staff,
)
from scrm.services import deals
from scrm.services.tags import GroupSnapshot, TagSnapshot, upsert_groups
from tests.conftest import CORP_ID
from tests.e2e.conftest import UI
from tests.e2e.test_quickreplies import png
from tests.livecode.conftest import AUTH, Linked
from tests.sync.helpers import sync_customers
from wecom.client import jsapi_signature
from wecom.client.models.contacts import Remark
from wecom.client.models.tags import AddCorpTag, MarkTag, NewTag

MINE = "wmLisiCustomer0001"  # lisi's customer
OTHER = "wmWangwuCustomer01"  # wangwu's: lisi must not see it
LINK = "https://example.com/manual"
HELLO = "您好，我是李四"

# Records what the page asks of WeCom's JS-SDK and answers like WeCom would.
WX_STUB = """
(() => {
  const calls = window.__wx = {config: [], agentConfig: [], invoke: []};
  window.wx = {
    config(c) { calls.config.push(c); },
    ready(cb) { setTimeout(cb, 0); },
    error(cb) {},
    agentConfig(c) {
      calls.agentConfig.push(Object.assign({}, c, {success: null, fail: null}));
      setTimeout(() => c.success({err_msg: "agentConfig:ok"}), 0);
    },
    invoke(name, args, cb) {
      calls.invoke.push({name: name, args: args});
      if (name === "getCurExternalContact") {
        cb({err_msg: "getCurExternalContact:ok", userId: %s});
      } else {
        cb({err_msg: name + ":ok"});
      }
    },
  };
})();
"""


@dataclass
class Seeded:
    corp: Corp
    tags: dict[str, str]  # name -> WeCom tag id
    reply: QuickReply


async def seed(linked: Linked) -> Seeded:
    """Tags at WeCom and in our mirror; lisi's and wangwu's customers on both sides; a lead with
    an open opportunity for lisi's customer; a text quick reply."""
    corp = await Corp.get(corp_id=CORP_ID)
    names = ("高意向", "已报价", "老客户")
    made = await linked.client.add_corp_tag(
        AddCorpTag(group_name="客户意向", tag=[NewTag(name=n) for n in names])
    )
    group = made.tag_group
    snapshot = GroupSnapshot(
        group.group_id, group.group_name, tags=[TagSnapshot(t.id, t.name) for t in group.tag]
    )
    await upsert_groups(corp, [snapshot])
    tags = {t.name: t.id for t in group.tag}
    friends = [
        {"userid": "lisi", "external_userid": MINE, "name": "王小明"},
        {"userid": "wangwu", "external_userid": OTHER, "name": "陈静"},
    ]
    await linked.sandbox.control("friends", {"friends": friends})
    for f in friends:
        customer = await Customer.create(corp_id=corp.id, external_userid=f["external_userid"])
        await FollowRelation.create(
            corp_id=corp.id,
            staff=await Staff.get(corp_id=corp.id, userid=f["userid"]),
            customer=customer,
            tag_ids=[tags["高意向"]],
            added_at=datetime.now(UTC),
            state="store",
        )
        await linked.client.mark_tag(
            MarkTag(
                userid=f["userid"], external_userid=f["external_userid"], add_tag=[tags["高意向"]]
            )
        )
    # Their names are WeCom's (seeded above), brought into the mirror by the sync.
    await sync_customers(linked)
    mine = await Customer.get(corp_id=corp.id, external_userid=MINE)
    lead = await Lead.create(
        corp_id=corp.id, customer=mine, external_userid=MINE, name="王小明",
        score=72, grade="A", status="sql", owner_userid="lisi",
    )  # fmt: skip
    opp = await deals.create(corp.id, name="年度采购", owner="lisi", amount=1_280_000, lead=lead)
    opp.next_step = "周五前发报价"
    await opp.save()
    return Seeded(corp, tags, await seed_replies(linked))


async def seed_replies(linked: Linked) -> QuickReply:
    """A text reply in 开场白; a picture (uploaded to WeCom) and a link in 资料."""
    path = "/api/v1/quick-replies"
    opening = await linked.api("POST", path + "/categories", {"name": "开场白"}, 201)
    body = {"category_id": opening["id"], "kind": "text", "title": "问候", "content": HELLO}
    reply = await linked.api("POST", path, body, status=201)
    material = await linked.api("POST", path + "/categories", {"name": "资料"}, 201)
    form = aiohttp.FormData()
    form.add_field("file", png(), filename="store.png", content_type="image/png")
    async with linked.bot.post(path + "/images", data=form, headers=AUTH) as r:
        picture = (await r.json())["url"]
    for item in (
        {"kind": "image", "title": "门店照片", "url": picture},
        {"kind": "link", "title": "产品手册", "content": "三分钟看懂产品", "url": LINK},
    ):
        await linked.api("POST", path, {"category_id": material["id"], **item}, status=201)
    return await QuickReply.get(id=reply["id"])


async def sign_in(ui: UI, page: Page, userid: str) -> str:
    """Open the sidebar through the sandbox's OAuth page as `userid`. Our /sidebar/oauth sends
    the browser to the authorize page; the test adds the sandbox-only `userid=` to that hop."""
    sandbox = ui.linked.sandbox.url
    ui.linked.bot.app[keys.SETTINGS].wecom_oauth_base = sandbox
    seen: list[str] = []

    async def as_member(route: Route) -> None:
        answer = await route.fetch(max_redirects=0)
        location = answer.headers["location"]
        seen.append(location)
        target = URL(location.split("#")[0]).update_query(userid=userid)
        headers = {**answer.headers, "location": f"{target}#wechat_redirect"}
        await route.fulfill(response=answer, headers=headers)

    pattern = re.compile(r"/sidebar/oauth\?next=")
    await page.route(pattern, as_member)
    await page.goto(ui.url("/sidebar/oauth?next=%2Fsidebar%2F"))
    await page.unroute(pattern)
    # Browsers carry #wechat_redirect along the redirects; the page signs its URL without it.
    assert page.url.split("#")[0] == ui.url("/sidebar/")
    return seen[0]


async def wx_calls(page: Page) -> dict[str, Any]:
    return dict(await page.evaluate("window.__wx"))


async def sandbox_tags(linked: Linked, userid: str, ext: str) -> set[str]:
    async with linked.sandbox.http.get(f"{linked.sandbox.url}/sandbox/state") as r:
        state = (await r.json())[CORP_ID]
    rel = next(
        r for r in state["relations"] if r["userid"] == userid and r["external_userid"] == ext
    )
    return set(rel["tags"])


async def relation_tags(ext: str) -> list[str]:
    rel = await FollowRelation.get(customer__external_userid=ext)
    return list(rel.tag_ids)


async def test_sidebar_card_tags_followup_and_quick_reply(ui: UI) -> None:
    seeded = await seed(ui.linked)
    page = ui.page
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.add_init_script(WX_STUB % json.dumps(MINE))
    authorize = await sign_in(ui, page, "lisi")

    # The redirect was WeCom's authorize URL, parameters in WeCom's order, state included.
    assert authorize.startswith(ui.linked.sandbox.url + "/connect/oauth2/authorize?appid=")
    assert authorize.endswith("#wechat_redirect")
    query = URL(authorize.split("#")[0]).query
    assert list(query)[:5] == ["appid", "redirect_uri", "response_type", "scope", "state"]
    assert query["redirect_uri"] == ui.url("/sidebar/oauth") and query["scope"] == "snsapi_base"
    assert query["agentid"] == "1000002" and len(query["state"]) == 32
    assert (await ui.linked.sandbox.records("oauth_user"))[-1]["data"]["userid"] == "lisi"
    await expect(page.locator("[data-testid=me]")).to_have_text("李四")

    # wx.config and wx.agentConfig carry signatures over this page's URL with the tickets the
    # sandbox issued (the jsapi ticket for config, the agent ticket for agentConfig).
    await expect(page.locator("[data-testid=customer-name]")).to_have_text("王小明")
    calls = await wx_calls(page)
    config, agent = calls["config"][0], calls["agentConfig"][0]
    jsapi = (await ui.linked.sandbox.records("jsapi_ticket"))[-1]["data"]["ticket"]
    agent_ticket = (await ui.linked.sandbox.records("agent_ticket"))[-1]["data"]["ticket"]
    page_url = ui.url("/sidebar/")
    assert config["appId"] == CORP_ID and config["beta"] is True
    assert config["signature"] == jsapi_signature(
        jsapi, config["nonceStr"], config["timestamp"], page_url
    )
    assert agent["corpid"] == CORP_ID and agent["agentid"] == 1000002
    assert agent["signature"] == jsapi_signature(
        agent_ticket, agent["nonceStr"], agent["timestamp"], page_url
    )
    assert {"getCurExternalContact", "sendChatMessage"} <= set(agent["jsApiList"])
    assert calls["invoke"][0]["name"] == "getCurExternalContact"

    # The card: lead grade and score, owner, the open opportunity with stage and next step.
    await expect(page.locator("[data-testid=owner]")).to_have_text("李四")
    await expect(page.locator("[data-testid=lead]")).to_contain_text("A 级 · 72 分")
    await expect(page.locator("[data-testid=opp-stage]")).to_have_text("资格确认")
    await expect(page.locator("[data-testid=opp-next]")).to_contain_text("周五前发报价")
    await expect(page.locator("[data-testid=timeline-item]").first).to_be_visible()
    await expect(page.locator("[data-testid=tag]")).to_have_text(["高意向×"])
    await ui.shot("sidebar-card")

    # Add a tag: WeCom's mark_tag, our relation and the sandbox's relation all change.
    since = len(await ui.linked.sandbox.records("mark_tag"))
    await page.select_option("[data-testid=tag-select]", seeded.tags["已报价"])
    await page.click("[data-testid=tag-add]")
    await expect(page.locator("[data-testid=tag]")).to_have_count(2)
    marks = (await ui.linked.sandbox.records("mark_tag"))[since:]
    assert [(m["data"]["userid"], m["data"]["add_tag"]) for m in marks] == [
        ("lisi", [seeded.tags["已报价"]])
    ]
    assert await relation_tags(MINE) == [seeded.tags["高意向"], seeded.tags["已报价"]]
    assert await sandbox_tags(ui.linked, "lisi", MINE) == {
        seeded.tags["高意向"],
        seeded.tags["已报价"],
    }

    # Remove one.
    await page.click(f"[data-testid=tag][data-tag-id={seeded.tags['高意向']}] button")
    await expect(page.locator("[data-testid=tag]")).to_have_text(["已报价×"])
    marks = (await ui.linked.sandbox.records("mark_tag"))[since:]
    assert marks[-1]["data"]["remove_tag"] == [seeded.tags["高意向"]]
    assert await relation_tags(MINE) == [seeded.tags["已报价"]]
    assert await sandbox_tags(ui.linked, "lisi", MINE) == {seeded.tags["已报价"]}

    # A follow-up: stored, on the opportunity, the lead's recycling clock reset, shown once.
    await page.fill("[data-testid=followup-note]", "客户想要下周演示")
    await page.click("[data-testid=followup-save]")
    await expect(page.locator("[data-testid=timeline-item]").first).to_contain_text(
        "客户想要下周演示"
    )
    note = await FollowUp.get(external_userid=MINE)
    assert note.userid == "lisi" and note.opportunity_id is not None
    lead = await Lead.get(external_userid=MINE)
    assert lead.last_followup_at is not None
    assert await LeadActivity.filter(lead_id=lead.id, kind="followup").count() == 1
    await expect(page.locator("[data-testid=timeline-item]", has_text="下周演示")).to_have_count(1)

    # Nothing wider than the phone's screen.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width

    # 话术库: a click hands sendChatMessage the reply's text and counts the use; a picture
    # goes as a WeCom media id, a link as a news card.
    await page.click("[data-testid=tab-replies]")
    await expect(page.locator("[data-testid=reply]")).to_have_count(3)
    await expect(page.locator("#toast")).not_to_have_class(re.compile("show"))
    await ui.shot("sidebar-quickreplies")
    sends = "window.__wx.invoke.filter((c) => c.name === 'sendChatMessage').length"
    for n, title in enumerate(("问候", "门店照片", "产品手册"), start=1):
        await page.click(f"[data-testid=reply][data-title={title}]")
        await page.wait_for_function(f"{sends} === {n}")
    await expect(page.locator("#toast")).to_have_text("已插入聊天")
    calls = await wx_calls(page)
    sent = [c["args"] for c in calls["invoke"] if c["name"] == "sendChatMessage"]
    media = (await ui.linked.sandbox.records("media"))[-1]["data"]["media_id"]
    news = {"link": LINK, "title": "产品手册", "desc": "三分钟看懂产品", "imgUrl": ""}
    assert sent == [
        {"msgtype": "text", "text": {"content": HELLO}},
        {"msgtype": "image", "image": {"mediaid": media}},
        {"msgtype": "news", "news": news},
    ]
    assert (await QuickReply.get(id=seeded.reply.id)).uses == 1


async def test_a_customer_she_does_not_follow_is_not_found(ui: UI) -> None:
    await seed(ui.linked)
    page = ui.page
    await page.add_init_script(WX_STUB % json.dumps(OTHER))
    await sign_in(ui, page, "lisi")
    await expect(page.locator("[data-testid=status]")).to_contain_text("没有找到这位客户")
    await expect(page.locator("[data-testid=card]")).to_be_hidden()
    assert "陈静" not in await page.content()


async def test_an_admin_page_login_opens_the_sidebar_without_wecom(ui: UI) -> None:
    """A manager logged in to /admin/ uses the sidebar too; without `wx` (a desktop browser)
    ?external_userid= names the customer. boss's team is lisi, so lisi's customer shows."""
    await seed(ui.linked)
    page = await ui.login("boss")
    await page.goto(ui.url(f"/sidebar/?external_userid={MINE}"))
    await expect(page.locator("[data-testid=customer-name]")).to_have_text("王小明")
    await page.goto(ui.url(f"/sidebar/?external_userid={OTHER}"))
    await expect(page.locator("[data-testid=status]")).to_contain_text("没有找到这位客户")
    await page.goto(ui.url("/sidebar/"))
    await expect(page.locator("[data-testid=status]")).to_contain_text("external_userid")


# --- the API and OAuth without a browser --------------------------------------------------------


async def bearer(linked: Linked, userid: str) -> dict[str, str]:
    body = {"name": f"{userid}-token", "role": "staff", "userid": userid}
    issued = await linked.api("POST", "/api/v1/api-tokens", body, status=201)
    return {"Authorization": f"Bearer {issued['token']}"}


async def test_sidebar_api_scope_and_validation(linked: Linked) -> None:
    seeded = await seed(linked)
    bot = linked.bot
    assert (await bot.get(f"/api/v1/sidebar/customer/{MINE}")).status == 401
    wangwu = await bearer(linked, "wangwu")
    # Not wangwu's customer: absent for him, for reads and for writes.
    assert (await bot.get(f"/api/v1/sidebar/customer/{MINE}", headers=wangwu)).status == 404
    put = await bot.put(
        f"/api/v1/sidebar/customer/{MINE}/tags", json={"tag_ids": []}, headers=wangwu
    )
    assert put.status == 404
    assert await relation_tags(MINE) == [seeded.tags["高意向"]]
    mine = await bot.get(f"/api/v1/sidebar/customer/{OTHER}", headers=wangwu)
    assert mine.status == 200 and (await mine.json())["name"] == "陈静"

    lisi = await bearer(linked, "lisi")
    path = f"/api/v1/sidebar/customer/{MINE}"
    bad = await bot.put(path + "/tags", json={"tag_ids": ["etNoSuchTag"]}, headers=lisi)
    assert bad.status == 422 and "etNoSuchTag" in (await bad.json())["error"]
    empty = await bot.post(path + "/followups", json={"note": ""}, headers=lisi)
    assert empty.status == 422
    foreign = await bot.post(
        path + "/followups", json={"note": "x", "opportunity_id": 999}, headers=lisi
    )
    assert foreign.status == 422
    assert await FollowUp.all().count() == 0
    # A WeCom refusal is a clear error and changes nothing here.
    await linked.sandbox.control(
        "faults", {"api": "externalcontact/mark_tag", "errcode": 84061, "count": 1}
    )
    refused = await bot.put(path + "/tags", json={"tag_ids": []}, headers=lisi)
    assert refused.status == 409 and "好友" in (await refused.json())["error"]
    assert await relation_tags(MINE) == [seeded.tags["高意向"]]

    for url in ("", "https://evil.example/x", "/sidebar/", "http://127.0.0.1/admin/"):
        signed = await bot.get("/api/v1/sidebar/jssdk", params={"url": url}, headers=lisi)
        assert signed.status == 422, url
    ok = await bot.get(
        "/api/v1/sidebar/jssdk", params={"url": "http://h/sidebar/?a=1#frag"}, headers=lisi
    )
    assert ok.status == 200 and (await ok.json())["url"] == "http://h/sidebar/?a=1"


async def _oauth(
    bot: TestClient, linked: Linked, userid: str, after: str = "/sidebar/%3Fx%3D1"
) -> tuple[int, str]:
    """The OAuth round trip with aiohttp's cookie jar standing in for the browser."""
    linked.bot.app[keys.SETTINGS].wecom_oauth_base = linked.sandbox.url
    first = await bot.get(f"/sidebar/oauth?next={after}", allow_redirects=False)
    assert first.status == 302
    target = URL(first.headers["Location"].split("#")[0]).update_query(userid=userid)
    async with linked.sandbox.http.get(target, allow_redirects=False) as r:
        back = URL(r.headers["Location"])
    done = await bot.get(back.path_qs, allow_redirects=False)
    return done.status, done.headers.get("Location") or await done.text()


async def test_oauth_signs_members_in_and_refuses_the_rest(linked: Linked) -> None:
    bot = linked.bot
    guarded = await bot.get("/sidebar/", allow_redirects=False)
    assert guarded.status == 302 and guarded.headers["Location"] == "/sidebar/oauth?next=/sidebar/"
    assert await _oauth(bot, linked, "lisi") == (302, "/sidebar/?x=1")
    page = await bot.get("/sidebar/")
    assert page.status == 200 and "李四" in await page.text()

    # A code without the state this session was given (a forged link) is refused.
    forged = await bot.get("/sidebar/oauth?code=abc&state=0000")
    assert forged.status == 400 and "重新打开" in await forged.text()
    # A member WeCom knows but this system does not (staff not synced yet).
    await linked.sandbox.control("staff", {"userid": "zhaoliu", "name": "赵六"})
    status, body = await _oauth(bot, linked, "zhaoliu")
    assert status == 403 and "同步" in body
    # Only our own sidebar pages are a place to go next.
    for elsewhere in ("//evil.example/", "https://evil.example/", "/admin/"):
        assert await _oauth(bot, linked, "lisi", elsewhere) == (302, "/sidebar/")


async def test_a_manager_signed_in_by_oauth_keeps_the_team_scope(linked: Linked) -> None:
    """zhangsan has an admin login as lisi's manager: in the sidebar, signed in through WeCom
    (no password), he sees lisi's customer, and still not wangwu's."""
    await seed(linked)
    corp = await Corp.get(corp_id=CORP_ID)
    await create_user(
        corp.id, "boss", "Passw0rd-boss", "manager", userid="zhangsan", team=["lisi"]
    )
    assert await _oauth(linked.bot, linked, "zhangsan") == (302, "/sidebar/?x=1")
    assert (await linked.bot.get(f"/api/v1/sidebar/customer/{MINE}")).status == 200
    assert (await linked.bot.get(f"/api/v1/sidebar/customer/{OTHER}")).status == 404


async def test_the_header_shows_the_members_remark_when_wecom_gives_no_name(ui: UI) -> None:
    """WeCom answers this customer without a name; lisi's remark names them."""
    await seed(ui.linked)
    ext = "wmRemarkOnly"
    friend = {"userid": "lisi", "external_userid": ext, "name": ""}
    await ui.linked.sandbox.control("friends", {"friends": [friend]})
    await ui.linked.client.remark(Remark(userid="lisi", external_userid=ext, remark="钱老板"))
    await sync_customers(ui.linked)
    page = await ui.login("boss")
    await page.goto(ui.url(f"/sidebar/?external_userid={ext}"))
    await expect(page.locator("[data-testid=customer-name]")).to_have_text("钱老板")


async def test_new_opportunity_from_the_sidebar(ui: UI) -> None:
    seeded = await seed(ui.linked)
    await Opportunity.filter(corp_id=seeded.corp.id).delete()  # the customer has none open
    page = ui.page
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.add_init_script(WX_STUB % json.dumps(MINE))
    await sign_in(ui, page, "lisi")
    await expect(page.locator("[data-testid=customer-name]")).to_have_text("王小明")
    box = page.locator("[data-testid=sidebar-opp-new]")
    await box.locator("summary").click()
    await page.fill("[data-testid=sidebar-opp-name]", "王小明 门店版")
    await page.fill("#opp-new input[name=amount]", "3000")
    await page.click("[data-testid=sidebar-opp-save]")
    await expect(page.locator("[data-testid=opportunity]")).to_contain_text("王小明 门店版")
    await expect(box).to_be_hidden()  # one open opportunity: the card shows it instead
    opp = await Opportunity.get(name="王小明 门店版")
    lead = await Lead.get(external_userid=MINE)
    assert (opp.owner_userid, opp.lead_id, opp.amount) == ("lisi", lead.id, 300_000)
