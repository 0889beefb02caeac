# ruff: noqa: F401, F811  (the `linked` fixture is imported, then requested by name)
"""Finding 8: what an unauthenticated caller sends never makes a 500 — an over-long corp id in
the callback path, an over-long lead-source key or douyin client_key, JSON nested 20 000 deep —
and a lead webhook checks the signature on the raw bytes before it parses anything, so
unsigned junk is a 401, not a 400."""

from __future__ import annotations

import json

from scrm.models import LeadEvent
from tests.security._authz_helpers import AUTH, Linked, linked
from tests.security._intake_helpers import db_source, douyin_headers, form_headers

DEEP = ("[" * 20_000 + "]" * 20_000).encode()
DEEP_OBJECT = ('{"":' * 12_000 + "1" + "}" * 12_000).encode()  # under the 64 KiB cap
LONG = "w" * 65


async def test_an_over_long_corp_id_is_a_404_not_a_500(linked: Linked) -> None:
    query = "msg_signature=a&timestamp=1&nonce=b"
    for corp_id in (LONG, "w" * 5000):
        got = await linked.bot.get(f"/wecom/callback/{corp_id}?{query}&echostr=x")
        assert got.status == 404, corp_id[:8]
        posted = await linked.bot.post(f"/wecom/callback/{corp_id}?{query}", data=b"<xml/>")
        assert posted.status == 404


async def test_over_long_source_keys_are_404s(linked: Linked) -> None:
    await db_source()
    raw = json.dumps({"name": "张三", "phone": "13800138000"}).encode()
    for key in (LONG, "k" * 4000):
        got = await linked.bot.post(f"/webhooks/form?key={key}", data=raw)
        assert got.status == 404
        got = await linked.bot.post("/webhooks/form", data=raw, headers={"X-Form-Id": key})
        assert got.status == 404
        body = json.dumps({"client_key": key, "event": "create_lead"}).encode()
        got = await linked.bot.post("/webhooks/douyin", data=body, headers={"Msg-Id": "m1"})
        assert got.status == 404
    assert await LeadEvent.all().count() == 0


async def test_json_nested_20000_deep_is_refused_cleanly(linked: Linked) -> None:
    await db_source()
    for raw in (DEEP, DEEP_OBJECT):
        unsigned = await linked.bot.post("/webhooks/form?key=f1", data=raw)
        assert unsigned.status == 401
        signed = await linked.bot.post(
            "/webhooks/form?key=f1", data=raw, headers=form_headers(raw, "r1")
        )
        assert signed.status == 400
        douyin = await linked.bot.post("/webhooks/douyin", data=raw, headers={"Msg-Id": "m"})
        assert douyin.status == 400
        api = await linked.bot.post(
            "/api/v1/leads", data=raw, headers={**AUTH, "Content-Type": "application/json"}
        )
        assert api.status in (400, 422)
    assert await LeadEvent.all().count() == 0


async def test_the_signature_is_checked_before_the_body_is_parsed(linked: Linked) -> None:
    await db_source()
    for junk in (b"not json at all", b"\xff\xfe", b"[1,2", b"", b'{"name":"x"}'):
        got = await linked.bot.post("/webhooks/form?key=f1", data=junk)
        assert got.status == 401, junk
        wrong = await linked.bot.post(
            "/webhooks/form?key=f1", data=junk, headers={"X-Signature": "0" * 64}
        )
        assert wrong.status == 401
    # Signed junk is the sender's bug, not an attack: a 400 that says what is wrong.
    signed = await linked.bot.post(
        "/webhooks/form?key=f1", data=b"not json", headers=form_headers(b"not json", "r2")
    )
    assert signed.status == 400
    assert await LeadEvent.all().count() == 0
