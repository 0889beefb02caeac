"""`/api/v1/compliance/words` and `/allow-phrases`: CRUD, bulk import, reasons for refusals."""

from __future__ import annotations

from scrm.models import AuditLog, ComplianceSettings, SensitiveWord
from tests.compliance.conftest import Linked

WORDS = "/api/v1/compliance/words"
PHRASES = "/api/v1/compliance/allow-phrases"


async def version(linked: Linked) -> int:
    return int((await linked.api("GET", WORDS))["version"])


async def test_word_crud_bumps_the_version(linked: Linked) -> None:
    spec = {"word": "赌博", "category": "gambling", "severity": "high",
            "directions": ["group", "staff_to_customer", "group"],
            "scope_departments": [2]}  # fmt: skip
    made = await linked.api("POST", WORDS, spec, status=201)
    assert made["directions"] == ["group", "staff_to_customer"]
    assert await version(linked) == 1
    await linked.api("POST", WORDS, {"word": "赌博"}, status=409)
    assert await version(linked) == 1  # a refusal changes nothing
    edited = await linked.api("PUT", f"{WORDS}/{made['id']}", {"word": "赌博", "severity": "low"})
    assert edited["severity"] == "low" and edited["directions"] == []
    assert (await linked.api("GET", f"{WORDS}/{made['id']}"))["severity"] == "low"
    other = await linked.api("POST", WORDS, {"word": "返现"}, status=201)
    await linked.api("PUT", f"{WORDS}/{other['id']}", {"word": "赌博"}, status=409)
    await linked.api("DELETE", f"{WORDS}/{made['id']}")
    await linked.api("GET", f"{WORDS}/{made['id']}", status=404)
    await linked.api("GET", f"{WORDS}/abc", status=404)
    listing = await linked.api("GET", WORDS)
    assert [w["word"] for w in listing["words"]] == ["返现"] and listing["version"] == 4
    actions = await AuditLog.filter(object_type="sensitive_word").values_list("action", flat=True)
    assert sorted(actions) == ["word_added", "word_added", "word_deleted", "word_updated"]


async def test_bad_words_get_reasons(linked: Linked) -> None:
    cases = [
        ({"word": ""}, "word"),
        ({"word": " ，。！ "}, "word"),  # nothing left to match
        ({"word": "x" * 65}, "word"),
        ({"word": "好", "severity": "urgent"}, "severity"),
        ({"word": "好", "directions": ["sideways"]}, "directions.0"),
        ({"word": "好", "scope_departments": ["a"]}, "scope_departments.0"),
    ]
    for body, loc in cases:
        out = await linked.api("POST", WORDS, body, status=422)
        assert loc in [d["loc"] for d in out["details"]], (body, out)
    assert await SensitiveWord.all().count() == 0
    assert await ComplianceSettings.all().count() == 0


async def test_bulk_import_is_all_or_nothing_and_upserts(linked: Linked) -> None:
    await linked.api("POST", WORDS, {"word": "旧词", "severity": "low"}, status=201)
    bad = {"words": [{"word": "甲"}, {"word": "乙", "severity": "nope"}]}
    out = await linked.api("POST", f"{WORDS}/import", bad, status=422)
    assert out["details"][0]["loc"] == "words.1.severity"
    assert await SensitiveWord.all().count() == 1
    body = {"words": [{"word": f"词{i}", "category": "bulk"} for i in range(1500)]
            + [{"word": "旧词", "severity": "critical"}]}  # fmt: skip
    summary = await linked.api("POST", f"{WORDS}/import", body)
    assert summary == {"added": 1500, "updated": 1, "deleted": 0, "total": 1501}
    assert (await SensitiveWord.get(word="旧词")).severity == "critical"
    v = await version(linked)
    replaced = await linked.api(
        "POST", f"{WORDS}/import", {"words": [{"word": "词1"}], "replace": True}
    )
    assert replaced["deleted"] == 1500 and await SensitiveWord.all().count() == 1
    assert await version(linked) == v + 1  # one bump per import
    page = await linked.api("GET", f"{WORDS}?q=词&limit=10")
    assert page["total"] == 1


async def test_allow_phrases(linked: Linked) -> None:
    made = await linked.api("POST", PHRASES, {"phrase": "电子发票", "note": "正常业务"}, 201)
    await linked.api("POST", PHRASES, {"phrase": "电子发票"}, status=409)
    await linked.api("POST", PHRASES, {"phrase": "   "}, status=422)
    assert [p["phrase"] for p in await linked.api("GET", PHRASES)] == ["电子发票"]
    assert await version(linked) == 1
    await linked.api("DELETE", f"{PHRASES}/{made['id']}")
    await linked.api("DELETE", f"{PHRASES}/{made['id']}", status=404)
    assert await linked.api("GET", PHRASES) == [] and await version(linked) == 2


async def test_only_admins(linked: Linked) -> None:
    resp = await linked.bot.get(WORDS)
    assert resp.status == 401
    from admin.api.auth import hash_token
    from scrm.models import ApiToken, Corp

    corp = await Corp.first()
    assert corp is not None
    await ApiToken.create(
        corp_id=corp.id, name="lisi", token_hash=hash_token("tok"), role="manager", userid="lisi"
    )
    headers = {"Authorization": "Bearer tok"}
    assert (await linked.bot.get(WORDS, headers=headers)).status == 403
    resp = await linked.bot.post(PHRASES, json={"phrase": "好"}, headers=headers)
    assert resp.status == 403
