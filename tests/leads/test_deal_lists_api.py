"""The deal read API: stages, opportunities, one deal in full, quotes — in the caller's scope."""

from __future__ import annotations

from typing import Any

from admin.api.auth import hash_token
from scrm.models import ApiToken, AuditLog, Corp
from tests.conftest import CORP_ID
from tests.leads.conftest import Linked

NO_SUCH = "没有这条记录，或不在你的数据范围内"  # the same words for absent and out of scope

LINE = {"product": "年费", "quantity": 1, "unit_price": 1_000_000}
DISCOVERY = {
    "next_step": "约演示",
    "next_step_date": "2030-01-15",
    "pain_points": "客服响应慢",
    "purchase_process": "部门评估后总经理签字",
}


async def as_(linked: Linked, token: str, method: str, path: str, json: Any = None) -> Any:
    resp = await linked.bot.request(
        method, path, json=json, headers={"Authorization": f"Bearer {token}"}
    )
    return resp.status, await resp.json()


async def _tokens() -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    for token, role, userid, team in (
        ("tok-lisi", "staff", "lisi", []),
        ("tok-boss", "manager", "zhangsan", ["lisi"]),
    ):
        await ApiToken.create(
            corp_id=corp.id,
            name=token,
            token_hash=hash_token(token),
            role=role,
            userid=userid,
            team=team,
        )


async def _deals(linked: Linked) -> dict[str, dict[str, Any]]:
    made = {}
    for owner, amount in (("zhangsan", 300_000), ("lisi", 1_000_000), ("wangwu", 700_000)):
        made[owner] = await linked.api(
            "POST",
            "/api/v1/opportunities",
            {"name": f"{owner} 的商机", "owner_userid": owner, "amount": amount},
            status=201,
        )
    return made


async def test_stages_come_in_sequence_with_their_gates(linked: Linked) -> None:
    stages = await linked.api("GET", "/api/v1/stages")
    assert [s["name"] for s in stages] == [
        "Qualification",
        "Discovery",
        "Solution",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]
    assert stages[1]["required_fields"] == [
        "next_step",
        "next_step_date",
        "pain_points",
        "purchase_process",
    ]
    assert [s["name"] for s in stages if s["is_won"] or s["is_lost"]] == ["Won", "Lost"]


async def test_opportunity_lists_follow_the_data_scope(linked: Linked) -> None:
    await _tokens()
    made = await _deals(linked)
    everyone = await linked.api("GET", "/api/v1/opportunities")
    assert {o["owner_userid"] for o in everyone} == {"zhangsan", "lisi", "wangwu"}
    assert next(o for o in everyone if o["owner_userid"] == "lisi")["owner_name"] == "李四"

    status, mine = await as_(linked, "tok-lisi", "GET", "/api/v1/opportunities")
    assert status == 200 and [o["id"] for o in mine] == [made["lisi"]["id"]]
    status, team = await as_(linked, "tok-boss", "GET", "/api/v1/opportunities")
    assert {o["owner_userid"] for o in team} == {"zhangsan", "lisi"}
    # Asking for someone outside the scope by owner gives nothing, not their deals.
    status, other = await as_(linked, "tok-lisi", "GET", "/api/v1/opportunities?owner=wangwu")
    assert (status, other) == (200, [])
    status, filtered = await as_(linked, "tok-boss", "GET", "/api/v1/opportunities?owner=lisi")
    assert [o["id"] for o in filtered] == [made["lisi"]["id"]]

    await linked.api(
        "POST",
        f"/api/v1/opportunities/{made['lisi']['id']}/stage",
        {"stage": "Discovery", "updates": DISCOVERY},
    )
    found = await linked.api("GET", "/api/v1/opportunities?stage=Discovery")
    assert [(o["id"], o["stage"], o["next_step_date"]) for o in found] == [
        (made["lisi"]["id"], "Discovery", "2030-01-15")
    ]
    bad = await linked.api("GET", "/api/v1/opportunities?stage=Nowhere", status=422)
    assert "unknown stage" in bad["error"]


async def test_one_deal_in_full_and_out_of_scope_is_404(linked: Linked) -> None:
    await _tokens()
    made = await _deals(linked)
    oid = made["lisi"]["id"]
    await linked.api(
        "POST", f"/api/v1/opportunities/{oid}/stage", {"stage": "Discovery", "updates": DISCOVERY}
    )
    q = await linked.api(
        "POST", f"/api/v1/opportunities/{oid}/quotes", {"lines": [LINE], "discount_bp": 500}, 201
    )
    contract = await linked.api(
        "POST", "/api/v1/contracts", {"quote_id": q["id"], "number": "HT-7"}, status=201
    )
    await linked.api(
        "POST",
        f"/api/v1/contracts/{contract['id']}/payments",
        {"amount": 400_000, "reference": "BANK-7"},
    )

    status, deal = await as_(linked, "tok-lisi", "GET", f"/api/v1/opportunities/{oid}")
    assert status == 200
    assert [(h["from_stage"], h["to_stage"]) for h in deal["history"]] == [
        ("", "Qualification"),
        ("Qualification", "Discovery"),
        ("Discovery", "Won"),
    ]
    assert deal["values"]["pain_points"] == "客服响应慢" and deal["closed"] is True
    assert [(x["number"], x["status"], x["total"]) for x in deal["quotes"]] == [
        (q["number"], "approved", 950_000)
    ]
    (c,) = deal["contracts"]
    assert (c["number"], c["amount"], c["paid"], c["status"]) == (
        "HT-7",
        950_000,
        400_000,
        "signed",
    )
    assert [p["reference"] for p in c["payments"]] == ["BANK-7"]

    wangwu = made["wangwu"]["id"]
    for path in (f"/api/v1/opportunities/{wangwu}", "/api/v1/opportunities/abc"):
        status, body = await as_(linked, "tok-lisi", "GET", path)
        assert (status, body) == (404, {"error": "no such opportunity", "message": NO_SUCH})
    # The move is audited with the deal as it was before and after (read through this GET).
    row = await AuditLog.filter(action="stage").order_by("id").first()
    assert row is not None
    assert (row.data["before"]["stage"], row.data["after"]["stage"]) == (
        "Qualification",
        "Discovery",
    )


async def test_quote_lists_by_status_and_scope(linked: Linked) -> None:
    await _tokens()
    made = await _deals(linked)
    quotes = {}
    for owner, discount in (("lisi", 1500), ("wangwu", 1500), ("lisi", 500)):
        quotes[(owner, discount)] = await linked.api(
            "POST",
            f"/api/v1/opportunities/{made[owner]['id']}/quotes",
            {"lines": [LINE], "discount_bp": discount, "requested_by": owner},
            status=201,
        )
    pending = await linked.api("GET", "/api/v1/quotes?status=pending")
    assert {q["owner_userid"] for q in pending} == {"lisi", "wangwu"}
    assert {q["status"] for q in pending} == {"pending_approval"}

    status, team = await as_(linked, "tok-boss", "GET", "/api/v1/quotes?status=pending")
    assert [q["id"] for q in team] == [quotes[("lisi", 1500)]["id"]]
    assert team[0]["opportunity_name"] == "lisi 的商机" and team[0]["approval_level"] == "manager"
    status, decided = await as_(linked, "tok-lisi", "GET", "/api/v1/quotes?status=decided")
    assert [q["id"] for q in decided] == [quotes[("lisi", 500)]["id"]]
    bad = await linked.api("GET", "/api/v1/quotes?status=maybe", status=422)
    assert "status must be one of" in bad["error"]

    theirs = quotes[("wangwu", 1500)]["id"]
    status, body = await as_(linked, "tok-lisi", "GET", f"/api/v1/quotes/{theirs}")
    assert (status, body) == (404, {"error": "no such quote", "message": NO_SUCH})
    # Staff never decide; the manager does, and the list moves the quote to "decided".
    ours = quotes[("lisi", 1500)]["id"]
    decision = {"approver": "lisi", "role": "manager", "approve": True}
    status, _ = await as_(linked, "tok-lisi", "POST", f"/api/v1/quotes/{ours}/decision", decision)
    assert status == 403
    decision = {"approver": "zhangsan", "role": "manager", "approve": True, "note": "同意"}
    status, body = await as_(
        linked, "tok-boss", "POST", f"/api/v1/quotes/{ours}/decision", decision
    )
    assert (status, body["status"]) == (200, "approved")
    status, team = await as_(linked, "tok-boss", "GET", "/api/v1/quotes?status=pending")
    assert team == []
    status, one = await as_(linked, "tok-boss", "GET", f"/api/v1/quotes/{ours}")
    assert (one["decided_by"], one["note"]) == ("zhangsan", "同意")


async def test_decisions_and_contracts_stay_in_scope_and_people_act_as_themselves(
    linked: Linked,
) -> None:
    await _tokens()
    deals = await _deals(linked)
    # A 15 % discount needs a manager's approval.
    quotes = {}
    for owner in ("lisi", "wangwu"):
        quotes[owner] = await linked.api(
            "POST",
            f"/api/v1/opportunities/{deals[owner]['id']}/quotes",
            {"lines": [LINE], "discount_bp": 1500},
            status=201,
        )
    decision = {"approver": "someone-else", "role": "manager", "approve": True}
    # boss manages lisi, not wangwu: wangwu's quote is as good as absent to him.
    status, _ = await as_(
        linked, "tok-boss", "POST", f"/api/v1/quotes/{quotes['wangwu']['id']}/decision", decision
    )
    assert status == 404
    status, body = await as_(
        linked, "tok-boss", "POST", f"/api/v1/quotes/{quotes['lisi']['id']}/decision", decision
    )
    assert status == 200 and body["decided_by"] == "zhangsan"  # not the name in the body
    status, _ = await as_(
        linked,
        "tok-lisi",
        "POST",
        "/api/v1/contracts",
        {"quote_id": quotes["wangwu"]["id"], "number": "HT-1"},
    )
    assert status == 404
    # A stage gate names what is missing, as a list too.
    status, body = await as_(
        linked,
        "tok-lisi",
        "POST",
        f"/api/v1/opportunities/{deals['lisi']['id']}/stage",
        {"stage": "Discovery"},
    )
    assert status == 422 and set(body["missing"]) == set(DISCOVERY)
