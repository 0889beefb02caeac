"""Finding 11: every spelling of one phone number is one person; what is not a phone is refused."""
# ruff: noqa: F811  (the `linked` fixture is imported: tests/security has no conftest of its own)

from __future__ import annotations

import pytest

from scrm import phones, vault
from scrm.models import Corp, Lead, LeadEvent
from tests.livecode.conftest import Linked, linked  # noqa: F401
from tests.security._intake_helpers import drain, form_source, push_form

SPELLINGS = [
    "13800138000",
    "0086 138 0013 8000",
    "+86-138-0013-8000",
    "１３８００１３８０００",  # full-width
    "١٣٨٠٠١٣٨٠٠٠",  # Arabic-Indic
    "8613800138000",
]


@pytest.mark.parametrize("raw", [*SPELLINGS, 13800138000, "13800138000.0", "1.3800138e10"])
def test_one_key_for_every_spelling(raw: object) -> None:
    assert phones.normalize(raw) == "+8613800138000"
    assert phones.key(raw) == "13800138000"  # the form blind indexes were built from


@pytest.mark.parametrize("raw", ["1234567", "138001380", "abc", "", "2024-01-02", "1.5"])
def test_what_is_not_a_phone_is_refused(raw: str) -> None:
    assert phones.key(raw) is None


async def test_every_spelling_is_one_lead_and_old_indexes_still_match(linked: Linked) -> None:
    await form_source(linked)
    # A lead stored before E.164 (its index over the 11 plain digits) is found by every spelling.
    old = await Lead.create(
        corp_id=(await Corp.get()).id,
        phone="13800138000",
        phone_index=vault.current().blind_index("13800138000"),
        name="老线索",
    )
    for n, raw in enumerate([*SPELLINGS, "1.38001380e10"]):
        assert (await push_form(linked, {"name": f"n{n}", "phone": raw}, f"r{n}"))[0] == 200
    await drain(linked)
    assert await Lead.all().count() == 1
    await old.refresh_from_db()
    assert old.touches == 1 + len(SPELLINGS) + 1 and old.phone == "13800138000"


async def test_a_push_whose_phone_is_not_a_phone_makes_no_lead(linked: Linked) -> None:
    await form_source(linked)
    assert (await push_form(linked, {"name": "七位", "phone": "1234567"}, "r1"))[0] == 200
    await drain(linked)
    assert await Lead.all().count() == 0
    event = await LeadEvent.get()
    assert (event.status, event.error) == ("ignored", "no usable phone number or unionid")
    body = {"name": "七位", "phone": "1234567"}
    out = await linked.api("POST", "/api/v1/leads", body, status=422)
    assert "phone" in str(out)
