# ruff: noqa: F401, F811  (the `linked` fixture is imported, then requested by name)
"""Finding 7 (and the money rules of 12): stage-move updates are validated like any other
write, so a bad date is a 422 and never reaches the database, and the lists still work."""

from __future__ import annotations

from scrm.models import Opportunity
from tests.security._authz_helpers import AUTH, Linked, bearer, call, home_corp, linked

BAD = (
    {"next_step": "打电话", "next_step_date": "not-a-date", "decision_maker": "王总"},
    {
        "next_step": "打电话",
        "next_step_date": "2026-12-10",
        "expected_close": "2020-13-45",
        "decision_maker": "王总",
    },
    {"next_step": "打电话", "next_step_date": "2026-12-10", "decision_maker": {"a": 1}},
    {"next_step": "打电话", "next_step_date": "2026-12-10", "decision_maker": "x" * 5000},
    {"next_step": None, "next_step_date": "2026-12-10", "decision_maker": "王总"},
    {"next_step": "打电话", "next_step_date": "2026-12-10", "owner_userid": "lisi"},
    {"amount": -100},
)


async def test_bad_stage_updates_are_422_and_the_lists_keep_working(linked: Linked) -> None:
    corp = await home_corp()
    staff = await bearer(corp, "staff", "zhangsan")
    status, opp = await call(
        linked, "POST", "/api/v1/opportunities", staff, {"name": "单", "owner_userid": "zhangsan"}
    )
    assert status == 201
    path = f"/api/v1/opportunities/{opp['id']}"
    # A stage whose gate the bad payload would satisfy: Qualification → Discovery needs these.
    for updates in BAD:
        move = {"stage": "Qualification", "updates": updates}
        status, body = await call(linked, "POST", f"{path}/stage", staff, move)
        assert status == 422, (updates, body)
    row = await Opportunity.get(id=opp["id"])
    assert row.next_step_date is None and row.expected_close is None and row.amount == 0
    assert row.values == {} and row.owner_userid == "zhangsan"
    for page in ("/api/v1/opportunities", path, "/api/v1/quotes"):
        assert (await call(linked, "GET", page, AUTH))[0] == 200, page
    assert (await linked.bot.get("/admin/opportunities")).status == 200  # login page, not 500
    # A good one still moves, with real dates stored.
    good = {"next_step": "打电话", "next_step_date": "2026-12-10", "decision_maker": "王总"}
    good["expected_close"] = "2027-01-31"
    status, body = await call(
        linked, "POST", f"{path}/stage", staff, {"stage": "Qualification", "updates": good}
    )
    assert status == 200, body
    row = await Opportunity.get(id=opp["id"])
    assert str(row.next_step_date) == "2026-12-10" and str(row.expected_close) == "2027-01-31"


async def test_won_needs_a_positive_amount_and_a_contract(linked: Linked) -> None:
    corp = await home_corp()
    staff = await bearer(corp, "staff", "zhangsan")
    status, opp = await call(
        linked, "POST", "/api/v1/opportunities", staff, {"name": "单", "owner_userid": "zhangsan"}
    )
    path = f"/api/v1/opportunities/{opp['id']}/stage"
    for updates, missing in (({}, ["amount", "contract"]), ({"amount": 5000}, ["contract"])):
        status, body = await call(
            linked, "POST", path, staff, {"stage": "Won", "updates": updates}
        )
        assert status == 422 and body["missing"] == missing, body
    status, body = await call(
        linked, "POST", path, staff, {"stage": "Won", "updates": {"amount": -5, "contract": "HT"}}
    )
    assert status == 422
    status, stages = await call(linked, "GET", "/api/v1/stages", staff)
    assert next(s for s in stages if s["is_won"])["required_fields"] == ["amount", "contract"]
    won = {"amount": 5000, "contract": "HT-1"}
    status, body = await call(linked, "POST", path, staff, {"stage": "Won", "updates": won})
    assert status == 200 and body["stage"] == "Won" and body["amount"] == 5000
