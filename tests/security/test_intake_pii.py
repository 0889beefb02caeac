"""Finding 3: phones are found by value, never kept or shown in clear (push, audit, attributes)."""
# ruff: noqa: F811  (the `linked` fixture is imported: tests/security has no conftest of its own)

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tortoise import connections

from scrm.models import Corp, Lead, LeadEvent
from tests.livecode.conftest import AUTH, Linked, linked  # noqa: F401
from tests.security._intake_helpers import drain, form_source, push_form

NUMBERS = ("13912345671", "13912345672", "13912345673", "13912345674")


async def _dump(table: str) -> str:
    rows = await connections.get("default").execute_query_dict(f"SELECT * FROM {table}")
    return str(rows)


async def test_pushes_and_attributes_hold_no_phone_in_clear(linked: Linked) -> None:
    await form_source(linked)
    body = {
        "name": "赵",
        "phone": NUMBERS[0],
        "phone_number": NUMBERS[1],
        "mobile2": f"+86 {NUMBERS[2][:3]} {NUMBERS[2][3:7]} {NUMBERS[2][7:]}",
        "answers": {"联系电话": NUMBERS[3], "预算": "10万以上"},
    }
    assert (await push_form(linked, body, "r1"))[0] == 200
    await drain(linked)
    for table in ("lead_event", "lead"):  # at rest: the raw push and the lead
        dump = await _dump(table)
        assert not any(n in dump for n in NUMBERS), table
    lead = await Lead.get()
    assert lead.phone == NUMBERS[0]
    assert lead.attributes["mobile2"] == "139****5673" and lead.attributes["预算"] == "10万以上"
    assert sorted(json.loads(lead.other_phones)) == sorted(NUMBERS[1:])
    listed = await linked.api("GET", "/api/v1/leads")
    detail = await linked.api("GET", f"/api/v1/leads/{lead.id}")
    page = await (await linked.bot.get(f"/admin/leads/{lead.id}", headers=AUTH)).text()
    for shown in (str(listed), str(detail), page):
        assert not any(n in shown for n in NUMBERS)


async def test_rows_stored_before_come_back_masked(linked: Linked) -> None:
    corp = await Corp.get()
    lead = await Lead.create(
        corp_id=corp.id, name="旧", attributes={"mobile2": NUMBERS[1], "备注": f"请拨{NUMBERS[2]}"}
    )
    listed = await linked.api("GET", "/api/v1/leads")
    (row,) = [x for x in listed if x["id"] == lead.id]
    assert row["attributes"] == {"mobile2": "139****5672", "备注": "请拨139****5673"}


async def test_audit_log_masks_phones_by_value(linked: Linked) -> None:
    body = {"name": "钱", "phone": NUMBERS[0], "attributes": {"contact": NUMBERS[1]}}
    await linked.api("POST", "/api/v1/leads", body, status=201)
    dump = await _dump("audit_log")
    assert "139****5671" in dump or "139****5672" in dump  # the write was audited
    assert not any(n in dump for n in NUMBERS)


async def test_processed_push_bodies_are_purged_after_the_retention(linked: Linked) -> None:
    from scrm.services.lead_upkeep import purge_event_bodies

    await form_source(linked)
    assert (await push_form(linked, {"name": "孙", "phone": NUMBERS[0]}, "r1"))[0] == 200
    await drain(linked)
    now = datetime.now(UTC)
    assert await purge_event_bodies(now, 30) == 0  # too young
    assert await purge_event_bodies(now + timedelta(days=31), 0) == 0  # 0 keeps them
    assert await purge_event_bodies(now + timedelta(days=31), 30) == 1
    assert (await LeadEvent.get()).body == ""
