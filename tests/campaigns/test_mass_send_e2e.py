"""End to end against the sandbox: segment → 群发 with a tracked link → some members confirm
→ exact tracking → remind (≤ 3 a day) → cancel; the tracked link opened twice."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from scrm.infra import background
from scrm.models import Customer, Lead, LinkOpen, MassSend, MassSendTask, ScoringRule
from scrm.services import mass_send_track, scoring
from tests.campaigns.helpers import HIGH, clients, customers
from tests.livecode.conftest import Linked

LINK = {
    "kind": "link",
    "category": "活动",
    "title": "双十二会员日",
    "content": "全场五折",
    "url": "https://shop.example.com/d12",
    "tracked": True,
}


async def test_segment_send_track_remind_cancel_and_radar(linked: Linked) -> None:
    exts = await customers(linked, 6, tagged=4)
    seg = await linked.api(
        "POST",
        "/api/v1/segments",
        {"name": "高意向", "conditions": {"tags": {"mode": "any", "ids": [HIGH]}}},
        201,
    )
    got = await linked.api("GET", f"/api/v1/segments/{seg['id']}")
    assert got["count"] == 4
    assert sorted(c["external_userid"] for c in got["preview"]) == sorted(exts[:4])
    link = await linked.api("POST", "/api/v1/materials", LINK, 201)
    target = {"segment_id": seg["id"]}
    reach = await linked.api("POST", "/api/v1/mass-sends/reach", {"target": target})
    assert (reach["total"], reach["capped"], reach["tasks"]) == (4, 0, 2)
    assert {s["userid"]: s["count"] for s in reach["senders"]} == {"zhangsan": 2, "lisi": 2}
    body = {"name": "双十二", "text": "会员日来啦", "material_ids": [link["id"]], "target": target}
    send = await linked.api("POST", "/api/v1/mass-sends", body, 201)
    await linked.drain()  # the worker makes one task per sending member
    made = {m["data"]["msgid"]: m["data"] for m in await linked.sandbox.records("mass_message")}
    assert sorted(sorted(d["targets"]) for d in made.values()) == [["lisi"], ["zhangsan"]]
    tasks = {t.sender: t for t in await MassSendTask.filter(send_id=send["id"])}
    url = made[tasks["zhangsan"].msgid]["attachments"][0]["link"]["url"]
    assert "/r/" in url and "shop.example.com" not in url  # the target hides behind the token

    # zhangsan sends; lisi does not. Tracking shows exactly that.
    await linked.sandbox.control(f"mass/{tasks['zhangsan'].msgid}/confirm", {"userid": "zhangsan"})
    detail = await linked.api("POST", f"/api/v1/mass-sends/{send['id']}/track")
    assert detail["status_counts"] == {"0": 2, "1": 2, "2": 0, "3": 0}
    members = {m["userid"]: m for m in detail["members"]}
    assert members["zhangsan"]["confirmed"] and members["zhangsan"]["sent_at"]
    assert not members["lisi"]["confirmed"]

    # Remind the laggard: three times in 24 h, then no more.
    for _ in range(3):
        got = await linked.api("POST", f"/api/v1/mass-sends/{send['id']}/remind")
        assert got == {"reminded": ["lisi"], "skipped": []}
    got = await linked.api("POST", f"/api/v1/mass-sends/{send['id']}/remind")
    assert got == {"reminded": [], "skipped": ["lisi"]}
    assert len(await linked.sandbox.records("mass_remind")) == 3

    # Cancel: lisi's unsent task is cancelled at WeCom; what zhangsan sent stays sent.
    got = await linked.api("POST", f"/api/v1/mass-sends/{send['id']}/cancel")
    assert got == {"cancelled_tasks": 1}
    cancelled = [r["data"]["msgid"] for r in await linked.sandbox.records("mass_cancel")]
    assert cancelled == [tasks["lisi"].msgid]
    detail = await linked.api("GET", f"/api/v1/mass-sends/{send['id']}")
    assert detail["status"] == "cancelled" and detail["status_counts"]["1"] == 2

    # The radar link, opened twice by the same customer through WeCom's OAuth.
    corp_id = (await MassSend.get(id=send["id"])).corp_id  # type: ignore[attr-defined]
    await ScoringRule.create(
        corp_id=corp_id, name="打开链接", kind="behaviour", field="link_open", op="event", points=5
    )
    scoring.forget(corp_id)  # as the rules API does
    customer = made[tasks["zhangsan"].msgid]["targets"]["zhangsan"][0]
    lead = await Lead.get(external_userid=customer)
    before = lead.score
    path = urlsplit(url).path
    for _ in range(2):
        assert await open_link(linked, path, customer) == LINK["url"]
    await background.wait_all()
    opens = await LinkOpen.filter(material_id=link["id"]).values_list("target_id", "sender")
    assert opens == [(customer, "zhangsan"), (customer, "zhangsan")]
    notes = [n["data"] for n in await linked.sandbox.records("notification")]
    named = (await Customer.get(external_userid=customer)).name  # from WeCom, after the add
    assert named and named != customer
    assert [(n["touser"], n["content"]) for n in notes] == [
        (["zhangsan"], f"{named} 打开了《双十二会员日》")
    ]  # once: the second open falls inside the member's quiet time
    assert (await Lead.get(id=lead.id)).score == before + 10
    stats = await linked.api("GET", f"/api/v1/materials/{link['id']}/stats")
    assert stats["opens"] == 2 and stats["opener_count"] == 1
    timeline = await linked.api("GET", f"/api/v1/customers/{customer}/timeline")
    assert [i["kind"] for i in timeline["timeline"]].count("lead.link_open") == 2
    assert (await linked.api("GET", f"/api/v1/materials/{link['id']}"))["uses"] == 1


async def open_link(linked: Linked, path: str, customer: str) -> str:
    """Follow /r/{token} → WeCom OAuth (the sandbox's, as that customer) → /r/{token}?code=…"""
    first = await linked.bot.get(path, allow_redirects=False)
    assert first.status == 302
    oauth = urlsplit(first.headers["Location"])
    assert oauth.path == "/connect/oauth2/authorize"
    query = {k: v[0] for k, v in parse_qs(oauth.query).items()}
    async with linked.sandbox.http.get(
        f"{linked.sandbox.url}/connect/oauth2/authorize",
        params={**query, "external_userid": customer},
        allow_redirects=False,
    ) as r:
        assert r.status == 302, await r.text()
        back = urlsplit(r.headers["Location"])
    final = await linked.bot.get(f"{back.path}?{back.query}", allow_redirects=False)
    assert final.status == 302
    return final.headers["Location"]


async def test_forged_or_unknown_tokens_never_redirect(linked: Linked) -> None:
    for path in ("/r/abc.def", "/r/nothing", "/r/" + "x" * 700):
        resp = await linked.bot.get(path, allow_redirects=False)
        assert resp.status == 404 and "Location" not in resp.headers
        assert "链接无效" in await resp.text()


async def test_tracking_backs_off_while_nothing_moves(linked: Linked) -> None:
    await customers(linked, 2, tagged=2)
    target = {"conditions": {"tags": {"mode": "all", "ids": [HIGH]}}}
    send = await linked.api(
        "POST", "/api/v1/mass-sends", {"name": "t", "text": "你好", "target": target}, 201
    )
    await linked.drain()
    row = await MassSend.get(id=send["id"])
    assert row.status == "sent" and row.planned == 2
    await mass_send_track.track(row.id, clients(linked))
    first = (await MassSend.get(id=row.id)).track_every
    await mass_send_track.track(row.id, clients(linked))
    assert (await MassSend.get(id=row.id)).track_every == first * 2
