"""The 素材库 as the source of the welcome message, quick replies, group SOP steps and journey
sends: a reference is checked in the corp when saved, the material is read when sent (an edit
reaches the next send), and a tracked link carries a 雷达 token naming that send."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scrm.models import JourneyRun, Material
from scrm.services import radar
from scrm.sop import execute, journeys
from tests.campaigns.helpers import CODE, customers
from tests.conftest import CORP_ID
from tests.livecode.conftest import Linked
from tests.security._authz_helpers import second_corp
from tests.sop.test_execution import STEP, clients, due_of, groups

BASE = "https://s.example.com"


async def api(linked: Linked, method: str, path: str, json: Any = None, status: int = 200) -> Any:
    """The admin token names the corp once a second one exists (the foreign material's)."""
    sep = "&" if "?" in path else "?"
    return await linked.api(method, f"{path}{sep}corp_id={CORP_ID}", json, status)


async def _materials(linked: Linked) -> tuple[int, int]:
    text = await api(
        linked,
        "POST",
        "/api/v1/materials",
        {"kind": "text", "title": "问候", "content": "旧的问候"},
        201,
    )
    link = await api(
        linked,
        "POST",
        "/api/v1/materials",
        {"kind": "link", "title": "会员日", "url": "https://shop.example.com/d", "tracked": True},
        201,
    )
    return int(text["id"]), int(link["id"])


async def _foreign_material() -> int:
    other = await second_corp()
    return int((await Material.create(corp_id=other.id, kind="text", title="x", content="x")).id)


def _claim(url: str) -> radar.Claim | None:
    assert url.startswith(BASE + "/r/"), url
    return radar.read(url.removeprefix(BASE + "/r/"))


async def test_welcome_sends_the_material_as_it_is_now(linked: Linked) -> None:
    text_id, link_id = await _materials(linked)
    foreign = await _foreign_material()
    await api(
        linked, "POST", "/api/v1/livecodes", {**CODE, "welcome_material_ids": [foreign]}, 422
    )
    await api(linked, "POST", "/api/v1/livecodes", {**CODE, "welcome_material_ids": [999999]}, 422)
    body = {**CODE, "welcome_material_ids": [text_id, link_id]}
    code = await api(linked, "POST", "/api/v1/livecodes", body, 201)
    assert code["welcome_material_ids"] == [text_id, link_id]
    await Material.filter(id=text_id).update(content="新的问候")  # edited after it was picked
    linked.settings = linked.settings.model_copy(update={"public_url": BASE})
    scan = await linked.sandbox.control("scan", {"config_id": code["config_id"], "name": "客"})
    await linked.drain()
    (sent,) = [r["data"] for r in await linked.sandbox.records("welcome")]
    assert sent["text"] == "您好\n\n新的问候"
    (att,) = sent["attachments"]
    claim = _claim(att["link"]["url"])
    assert claim == radar.Claim(1, link_id, sent["userid"], scan["external_userid"], "welcome")
    assert (await Material.get(id=link_id)).uses == 1


async def test_quick_reply_refers_to_a_material(linked: Linked) -> None:
    (ext,) = await customers(linked, 1, tagged=0)
    text_id, link_id = await _materials(linked)
    cat = await api(linked, "POST", "/api/v1/quick-replies/categories", {"name": "活动"}, 201)
    reply: dict[str, Any] = {"category_id": cat["id"], "kind": "material", "title": "会员日"}
    await api(linked, "POST", "/api/v1/quick-replies", reply, 422)  # no material_id
    foreign = await _foreign_material()
    await api(linked, "POST", "/api/v1/quick-replies", {**reply, "material_id": foreign}, 422)
    await api(
        linked,
        "POST",
        "/api/v1/quick-replies",
        {**reply, "kind": "text", "material_id": text_id},
        422,
    )
    made = await api(
        linked, "POST", "/api/v1/quick-replies", {**reply, "material_id": text_id}, 201
    )
    assert made["material_id"] == text_id
    await Material.filter(id=text_id).update(content="新的问候")
    used = await api(linked, "POST", f"/api/v1/quick-replies/{made['id']}/use")
    assert used["message"] == {"msgtype": "text", "text": {"content": "新的问候"}}
    # A tracked link names the customer in the chat (a customer of the member only).
    edit = {**reply, "material_id": link_id}
    await api(linked, "PUT", f"/api/v1/quick-replies/{made['id']}", edit)
    used = await api(
        linked, "POST", f"/api/v1/quick-replies/{made['id']}/use?external_userid={ext}"
    )
    token = used["message"]["news"]["link"].split("/r/")[1]
    got = radar.read(token)
    assert got is not None and (got.material_id, got.target, got.source) == (
        link_id, ext, "sidebar",
    )  # fmt: skip
    await api(
        linked,
        "POST",
        f"/api/v1/quick-replies/{made['id']}/use?external_userid=wmnobody",
        status=404,
    )
    await api(linked, "DELETE", f"/api/v1/materials/{link_id}")
    await api(linked, "POST", f"/api/v1/quick-replies/{made['id']}/use", status=404)
    assert (await Material.get(id=text_id)).uses == 1


async def test_sop_step_and_journey_send_carry_materials(linked: Linked) -> None:
    text_id, link_id = await _materials(linked)
    chats = await groups(linked, "zhangsan", 2)
    step = {**STEP, "text": "", "material_ids": [text_id, link_id]}
    body = {"name": "群素材", "target": {"name_pattern": "VIP*"}, "steps": [step]}
    await api(
        linked, "POST", "/api/v1/sop-plans", {**body, "steps": [{**step, "material_ids": []}]}, 422
    )
    foreign = await _foreign_material()
    bad = {**body, "steps": [{**step, "material_ids": [foreign]}]}
    await api(linked, "POST", "/api/v1/sop-plans", bad, 422)
    plan = await api(linked, "POST", "/api/v1/sop-plans", body, 201)
    await Material.filter(id=text_id).update(content="群里的新问候")
    due = await due_of(plan["id"])
    runs = await execute.claim_due(due + timedelta(seconds=1))
    assert await execute.fire(runs, clients(linked), due, BASE) == 2
    (sop,) = [m["data"] for m in await linked.sandbox.records("mass_message")]
    assert sorted(sop["targets"]["zhangsan"]) == sorted(chats)
    assert sop["text"] == "群里的新问候"
    claim = _claim(sop["attachments"][0]["link"]["url"])
    assert claim == radar.Claim(1, link_id, "zhangsan", "", "sop")

    node = {"id": "s", "kind": "send", "material_ids": [link_id]}
    journey: dict[str, Any] = {"name": "j", "trigger": {"kind": "livecode_add"}, "nodes": [node]}
    journey |= {"per_day_cap": 5, "per_week_cap": 5, "quiet_start": "00:00", "quiet_end": "00:00"}
    await api(
        linked,
        "POST",
        "/api/v1/journeys",
        {**journey, "nodes": [{**node, "material_ids": []}]},
        422,
    )
    await api(
        linked,
        "POST",
        "/api/v1/journeys",
        {**journey, "nodes": [{**node, "material_ids": [foreign]}]},
        422,
    )
    await api(linked, "POST", "/api/v1/journeys", journey, 201)
    code = await api(linked, "POST", "/api/v1/livecodes", {**CODE, "welcome_text": ""}, 201)
    scan = await linked.sandbox.control("scan", {"config_id": code["config_id"], "name": "客"})
    await linked.drain()
    due_at = (await JourneyRun.all().order_by("due_at").first()).due_at  # type: ignore[union-attr]
    await journeys.run_due(clients(linked), due_at + timedelta(seconds=1), base_url=BASE)
    sent = [m["data"] for m in await linked.sandbox.records("mass_message")][1:]
    (one,) = sent
    assert not one["text"] and [t for ts in one["targets"].values() for t in ts] == [
        scan["external_userid"]
    ]
    claim = _claim(one["attachments"][0]["link"]["url"])
    owner = next(iter(one["targets"]))
    assert claim == radar.Claim(1, link_id, owner, scan["external_userid"], "journey")


async def test_quick_replies_move_into_the_library(linked: Linked) -> None:
    cat = await linked.api("POST", "/api/v1/quick-replies/categories", {"name": "开场"}, 201)
    text = {"category_id": cat["id"], "kind": "text", "title": "问候", "content": "您好"}
    link = {
        "category_id": cat["id"], "kind": "link", "title": "手册", "content": "三分钟看懂",
        "url": "https://e.example.com/m", "img_url": "https://e.example.com/c.png",
    }  # fmt: skip
    t = await linked.api("POST", "/api/v1/quick-replies", text, 201)
    k = await linked.api("POST", "/api/v1/quick-replies", link, 201)
    await linked.api("POST", f"/api/v1/quick-replies/{t['id']}/use")
    got = await linked.api("POST", "/api/v1/quick-replies/into-materials")
    assert got == {"moved": 2, "kept": 0}
    mats = {m.title: m for m in await Material.all()}
    assert (mats["问候"].kind, mats["问候"].content, mats["问候"].category) == (
        "text",
        "您好",
        "开场",
    )
    assert mats["问候"].uses == 1  # the 话术's use count came along
    assert (mats["手册"].url, mats["手册"].cover_url) == (link["url"], link["img_url"])
    one = await linked.api("GET", f"/api/v1/quick-replies/{k['id']}")
    assert (one["kind"], one["material_id"]) == ("material", mats["手册"].id)
    # One library: an edit to the material is what the 话术 sends from now on.
    await Material.filter(id=mats["问候"].id).update(content="您好，欢迎光临")
    used = await linked.api("POST", f"/api/v1/quick-replies/{t['id']}/use")
    assert used["message"]["text"]["content"] == "您好，欢迎光临"
    again = await linked.api("POST", "/api/v1/quick-replies/into-materials")
    assert again == {"moved": 0, "kept": 2} and await Material.all().count() == 2
