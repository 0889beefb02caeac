# ruff: noqa: F401, F811  (the `linked` fixture is imported, then requested by name)
"""`str.isdigit()` then `int()`: '²' and '①' are digits to isdigit() but not to int(), and a
5 000-digit number is too long for int(); each made a 500 on an admin page. One bounded parser
(scrm/ints.py) reads ids and page numbers now."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from admin.api.accounts import create_user
from scrm.ints import parse_id, parse_int
from tests.security._authz_helpers import AUTH, Linked, home_corp, linked

PASSWORD = "Secret-pass-1"
ODD = ["²", "①", "٣", "３", "1²", "9" * 5000, "-1", "0", "1e3", " 7"]


@pytest.mark.parametrize(
    ("raw", "want"),
    [("12", 12), ("²", None), ("①", None), ("٣", None), ("３", None), ("9" * 5000, None),
     ("-3", None), ("0", None), (str(2**63), None), (str(2**63 - 1), 2**63 - 1), (None, None)],
)  # fmt: skip
def test_parse_id_reads_ascii_digits_in_bounds_only(raw: object, want: int | None) -> None:
    assert parse_id(raw) == want


def test_parse_int_bounds() -> None:
    assert parse_int("-5", -10, 10) == -5 and parse_int("11", -10, 10) is None


async def test_pages_and_api_take_odd_digits_without_a_500(linked: Linked) -> None:
    corp = await home_corp()
    await create_user(corp.id, "admin1", PASSWORD, "admin")
    page = await (await linked.bot.get("/admin/login")).text()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page)
    assert csrf
    form = {"username": "admin1", "password": PASSWORD, "_csrf": csrf.group(1), "next": "/admin/"}
    assert (await linked.bot.post("/admin/login", data=form, allow_redirects=False)).status == 302
    paths = [
        "/admin/settings/staff?page={}",
        "/admin/settings/audit?page={}",
        "/admin/customers?page={}",
        "/admin/leads?page={}&min_score={}",
        "/admin/compliance?page={}",
        "/admin/compliance/words?page={}",
        "/admin/compliance/alerts/{}",
        "/admin/opportunities/{}",
        "/admin/mass-sends/{}",
        "/admin/materials/{}/radar",
        "/admin/leads/{}",
        "/admin/livecodes/{}",
        "/admin/groupcodes/{}",
        "/admin/sop/{}/edit",
        "/admin/journeys/{}",
    ]
    for template in paths:
        for odd in ODD:
            url = template.replace("{}", quote(odd))
            got = await linked.bot.get(url, allow_redirects=False)
            assert got.status < 500, (template, odd[:8], got.status)
    for odd in ODD:
        got = await linked.bot.get(f"/api/v1/leads/{quote(odd)}", headers=AUTH)
        assert got.status == 404, odd[:8]
