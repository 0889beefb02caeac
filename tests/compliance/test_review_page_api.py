"""What the review pages needed from the API: a false positive that leaves the allow-list
alone (`allow: false`), and ops leads kept out of compliance review."""

from __future__ import annotations

from scrm.compliance.team_settings import settings_for
from scrm.models import Alert, AllowPhrase, AuditLog, Corp
from tests.compliance.conftest import Linked
from tests.compliance.test_review import call, token, word_alert
from tests.conftest import CORP_ID


async def test_false_positive_can_leave_the_allow_list_alone(linked: Linked) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    alert = await word_alert()
    base = f"/api/v1/compliance/alerts/{alert}"
    mixed = await linked.api(
        "POST", f"{base}/false-positive", {"allow": False, "phrase": "返现给你"}, status=422
    )
    assert "allow" in mixed["error"]
    assert (await Alert.get(id=alert)).status == "open"

    got = await linked.api("POST", f"{base}/false-positive", {"allow": False, "note": "一次性"})
    assert got["status"] == "false_positive" and got["allow_phrase"] == ""
    assert not await AllowPhrase.exists()
    assert (await settings_for(corp.id)).words_version == 0  # the matcher need not rebuild
    review = await AuditLog.get(object_type="alert", object_id=str(alert))
    assert (review.action, review.data["note"]) == ("false_positive", "一次性")
    await linked.api("POST", f"{base}/false-positive", {"allow": False}, status=409)


async def test_allow_defaults_to_true(linked: Linked) -> None:
    alert = await word_alert()
    got = await linked.api("POST", f"/api/v1/compliance/alerts/{alert}/false-positive", {})
    assert got["allow_phrase"] == "加我微信返现给你"
    assert await AllowPhrase.filter(phrase="加我微信返现给你").exists()


async def test_ops_leads_do_not_review_compliance(linked: Linked) -> None:
    """Ops ranks above manager but runs campaigns: no alerts, rules, settings or stats."""
    alert = await word_alert()
    ops = await token(linked, "ops", "zhangsan", [])
    for method, path in (
        ("GET", "/api/v1/compliance/alerts"),
        ("GET", f"/api/v1/compliance/alerts/{alert}"),
        ("POST", f"/api/v1/compliance/alerts/{alert}/acknowledge"),
        ("GET", "/api/v1/compliance/rules"),
        ("GET", "/api/v1/compliance/settings"),
        ("GET", "/api/v1/compliance/stats"),
    ):
        status, body = await call(linked, path, ops, method)
        assert status == 403, (path, body)
    assert (await Alert.get(id=alert)).status == "open"
    manager = await token(linked, "manager", "lisi", [])
    status, _ = await call(linked, "/api/v1/compliance/stats", manager)
    assert status == 200
