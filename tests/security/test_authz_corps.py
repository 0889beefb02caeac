# ruff: noqa: F401, F811  (the `linked` fixture is imported, then requested by name)
"""Finding 1: one corp's admin can neither read nor edit another corp, nobody moves a corp's
API base over HTTP, and the audit of a corp edit lands in that corp's log."""

from __future__ import annotations

from scrm.models import AuditLog, Corp
from tests.security._authz_helpers import (
    AUTH,
    Linked,
    bearer,
    call,
    home_corp,
    linked,
    second_corp,
)


async def test_another_corps_admin_cannot_read_or_edit_it(linked: Linked) -> None:
    one, two = await home_corp(), await second_corp()
    admin2 = await bearer(two, "admin", "admin2")
    assert (await call(linked, "GET", f"/api/v1/corps/{one.id}", admin2))[0] == 404
    for body in ({"active": False}, {"name": "被改了"}, {"secret": "stolen"}):
        status, _ = await call(linked, "PUT", f"/api/v1/corps/{one.id}", admin2, body)
        assert status == 404, body
    fresh = await Corp.get(id=one.id)
    assert fresh.active and fresh.name != "被改了" and fresh.secret != "stolen"
    status, listed = await call(linked, "GET", "/api/v1/corps", admin2)
    assert status == 200 and [c["corp_id"] for c in listed] == [two.corp_id]
    # Its own corp it manages, and adding corps is the deployment's (bootstrap token) job.
    status, mine = await call(linked, "PUT", f"/api/v1/corps/{two.id}", admin2, {"name": "二号"})
    assert status == 200 and mine["name"] == "二号"
    new = {"corp_id": "ww00000000000000c3", "agent_id": 3, "token": "t3", "secret": "s3"}
    new["aes_key"] = one.aes_key
    assert (await call(linked, "POST", "/api/v1/corps", admin2, new))[0] == 403
    status, made = await call(linked, "POST", "/api/v1/corps", AUTH, new)
    assert status == 201 and made["api_base"] == linked.settings.wecom_api_base.rstrip("/")


async def test_api_base_is_not_editable_over_http(linked: Linked) -> None:
    one = await home_corp()
    before = one.api_base
    admin1 = await bearer(one, "admin", "zhangsan")
    for headers in (admin1, AUTH):
        status, body = await call(
            linked,
            "PUT",
            f"/api/v1/corps/{one.id}",
            headers,
            {"api_base": "http://127.0.0.1:18999"},
        )
        assert status == 422 and "SCRM_WECOM_API_BASE" in str(body), body
    assert (await Corp.get(id=one.id)).api_base == before


async def test_a_corp_edit_is_audited_under_the_corp_that_changed(linked: Linked) -> None:
    one, two = await home_corp(), await second_corp()
    # The bootstrap token spans corps: its edit of corp 2 is corp 2's history.
    status, _ = await call(linked, "PUT", f"/api/v1/corps/{two.id}", AUTH, {"active": False})
    assert status == 200
    rows = await AuditLog.filter(object_type="corps")
    assert [(r.corp_id, r.object_id) for r in rows] == [(two.id, str(two.id))]  # type: ignore[attr-defined]
    assert rows[0].data["before"]["active"] is True and rows[0].data["after"]["active"] is False
    assert not await AuditLog.filter(corp_id=one.id, object_type="corps").exists()


async def test_another_corps_admin_cannot_sync_it_or_read_its_syncs(linked: Linked) -> None:
    """The corp sync routes (issue 13) follow the same rule as the corp itself."""
    one, two = await home_corp(), await second_corp()
    admin2 = await bearer(two, "admin", "admin2")
    assert (await call(linked, "POST", f"/api/v1/corps/{one.id}/sync", admin2))[0] == 404
    assert (await call(linked, "GET", f"/api/v1/corps/{one.id}/sync-runs", admin2))[0] == 404
    assert (await call(linked, "GET", f"/api/v1/corps/{two.id}/sync-runs", admin2))[0] == 200
