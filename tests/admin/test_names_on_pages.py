"""Every page that shows a customer names them as WeCom does (name, else remark, else id), with
their avatar in lists. Names are seeded in the sandbox, never written into the database here:
an add's refresh or the corp sync brings them into the mirror, as in production."""

from __future__ import annotations

from typing import Any

from bot.jobs.compliance_alerts import compliance_notify
from scrm.compliance.team_settings import settings_for
from scrm.infra import keys
from scrm.models import Alert, Corp, Lead
from scrm.services import deals
from tests.admin.conftest import Linked
from tests.admin.test_sessions import _login, _user
from tests.conftest import CORP_ID
from tests.livecode.test_api import SPEC
from tests.sync.helpers import sync_customers
from wecom.client.models.contacts import Remark

JOURNEY = {
    "name": "新客旅程",
    "trigger": {"kind": "livecode_add"},
    "nodes": [{"id": "s", "kind": "send", "text": "您好"}],
}


async def wecom_adds(linked: Linked, *names: str) -> list[dict[str, Any]]:
    """Customers scan a live code; each add is followed by externalcontact/get."""
    code = await linked.api("POST", "/api/v1/livecodes", {**SPEC, "strategy": "native"}, 201)
    scans = [
        await linked.sandbox.control("scan", {"config_id": code["config_id"], "name": n})
        for n in names
    ]
    await linked.drain()
    return scans


async def page(linked: Linked, path: str) -> str:
    resp = await linked.bot.get(path)
    assert resp.status == 200, path
    return await resp.text()


async def test_customer_list_360_and_sidebar_name_the_customer(linked: Linked) -> None:
    one, two, _ = await wecom_adds(linked, "周晓燕", "吴建国", "")
    ext = one["external_userid"]
    listed = await linked.api("GET", "/api/v1/customers")
    assert {c["display_name"] for c in listed["items"]} == {
        "周晓燕",
        "吴建国",
        "门店-周年庆",  # no name from WeCom: the remark the live code gave the relation
    }
    await _user("boss", "admin")
    await _login(linked.bot, "boss")
    listing = await page(linked, "/admin/customers")
    assert "周晓燕" in listing and f"/sandbox/avatar/{ext}.svg" in listing  # name and picture
    assert f"/sandbox/avatar/{two['external_userid']}.svg" in listing
    detail = await page(linked, f"/admin/customers/{ext}")
    assert "<title>客户 360° · 周晓燕" in detail
    card = await linked.api("GET", f"/api/v1/sidebar/customer/{ext}")
    assert (card["display_name"], card["name"]) == ("周晓燕", "周晓燕")


async def test_the_remark_names_a_customer_whose_profile_is_unknown(linked: Linked) -> None:
    (scan,) = await wecom_adds(linked, "")  # WeCom answers this account without a name
    ext, userid = scan["external_userid"], scan["userid"]
    await linked.client.remark(Remark(userid=userid, external_userid=ext, remark="郑总"))
    await sync_customers(linked)  # API edits make no callback: the sync reads the remark
    listing = await linked.api("GET", "/api/v1/customers")
    assert [c["display_name"] for c in listing["items"]] == ["郑总"]
    await linked.sandbox.control(
        "staff_deletes_customer", {"userid": userid, "external_userid": ext}
    )
    await linked.drain()
    alert = await Alert.get(kind="action")
    assert "删除了客户「郑总」" in alert.context


async def test_leads_opportunities_and_journeys_name_the_customer(linked: Linked) -> None:
    journey = await linked.api("POST", "/api/v1/journeys", JOURNEY, status=201)
    (scan,) = await wecom_adds(linked, "林雨萱")
    ext = scan["external_userid"]
    corp = await Corp.get(corp_id=CORP_ID)
    lead = await Lead.get(external_userid=ext)
    assert lead.name == ""  # the add carried no name: the lead has none of its own
    await deals.create(corp.id, name="年度采购", owner=scan["userid"], lead=lead)
    await _user("boss", "admin")
    await _login(linked.bot, "boss")
    leads = await page(linked, "/admin/leads")
    assert f"#{lead.id} 林雨萱" in leads and "（无名）" not in leads
    assert "林雨萱" in await page(linked, f"/admin/leads/{lead.id}")
    kanban = await page(linked, "/admin/opportunities")
    assert 'data-testid="opp-customer"' in kanban and "林雨萱" in kanban
    preview = await linked.api("GET", f"/api/v1/journeys/{journey['id']}/preview")
    assert [(p["external_userid"], p["name"]) for p in preview] == [(ext, "林雨萱")]
    assert "林雨萱" in await page(linked, f"/admin/journeys/{journey['id']}")


async def test_alerts_and_their_notifications_name_the_customer(linked: Linked) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    (settings := await settings_for(corp.id)).notify_userids = ["wangwu"]
    await settings.save()
    (scan,) = await wecom_adds(linked, "何嘉怡")
    ext, userid = scan["external_userid"], scan["userid"]
    await linked.sandbox.control(
        "staff_deletes_customer", {"userid": userid, "external_userid": ext}
    )
    await linked.drain()
    alert = await Alert.get(kind="action")
    assert "删除了客户「何嘉怡」" in alert.context
    ctx = {"redis": linked.bot.app[keys.ARQ], "clients": linked.bot.app[keys.CLIENTS]}
    await compliance_notify(ctx)
    texts = [n["data"]["content"] for n in await linked.sandbox.records("notification")]
    assert texts and all("客户：何嘉怡" in t for t in texts)
    await _user("boss", "admin")
    await _login(linked.bot, "boss")
    queue = await page(linked, "/admin/compliance")
    assert 'data-testid="alert-customer"' in queue and "何嘉怡" in queue
    assert "何嘉怡" in await page(linked, f"/admin/compliance/alerts/{alert.id}")
