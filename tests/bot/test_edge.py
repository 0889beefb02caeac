"""The callback edge, per design.md's rules: signatures, bad input, dedup, Redis outages."""

from __future__ import annotations

import time

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client import REGISTRY

from bot.app import create_app
from scrm.enums import InboxStatus
from scrm.infra.settings import Settings
from scrm.models import Inbox
from tests.callbacks import add_contact_xml, event_xml, signed
from tests.conftest import AES_KEY, CORP_ID, TOKEN
from wecom.crypto import WeComCrypto

URL = f"/wecom/callback/{CORP_ID}"


def refused(reason: str) -> float:
    return REGISTRY.get_sample_value("scrm_callbacks_refused_total", {"reason": reason}) or 0.0


@pytest.fixture
async def client(aiohttp_client, settings: Settings) -> TestClient:  # type: ignore[no-untyped-def]
    return await aiohttp_client(create_app(settings, run_sweeper=False))


async def post(client: TestClient, crypto: WeComCrypto, plain: bytes) -> int:
    params, body = signed(crypto, plain)
    resp = await client.post(URL, params=params, data=body)
    assert await resp.read() == b"" or resp.status != 200
    return resp.status


async def test_url_verification_echoes_plaintext(client: TestClient, crypto: WeComCrypto) -> None:
    echostr = crypto.encrypt(b"1616140317555161061")
    ts, nonce = str(int(time.time())), "99"
    resp = await client.get(
        URL,
        params={
            "msg_signature": crypto.signature(ts, nonce, echostr),
            "timestamp": ts,
            "nonce": nonce,
            "echostr": echostr,
        },
    )
    assert resp.status == 200
    assert await resp.read() == b"1616140317555161061"  # no quotes, BOM or newline


async def test_url_verification_bad_signature_is_403(
    client: TestClient, crypto: WeComCrypto
) -> None:
    echostr = crypto.encrypt(b"123")
    resp = await client.get(
        URL, params={"msg_signature": "0" * 40, "timestamp": "1", "nonce": "2", "echostr": echostr}
    )
    assert resp.status == 403


async def test_event_is_stored_and_acked_with_empty_body(
    client: TestClient, crypto: WeComCrypto
) -> None:
    plain = add_contact_xml(CORP_ID, "zhangsan", "wmA", int(time.time()), State="s1")
    params, body = signed(crypto, plain)
    resp = await client.post(URL, params=params, data=body)
    assert resp.status == 200 and await resp.read() == b""
    row = await Inbox.get(corp_id=CORP_ID)
    assert row.payload.encode() == plain
    assert row.kind == "change_external_contact.add_external_contact"


async def test_three_deliveries_make_one_row(client: TestClient, crypto: WeComCrypto) -> None:
    plain = add_contact_xml(CORP_ID, "zhangsan", "wmA", 1700000000, WelcomeCode="W1")
    dup_before = REGISTRY.get_sample_value("scrm_callbacks_duplicate_total") or 0.0
    for _ in range(3):  # WeCom's retries: new nonce and signature, same event
        assert await post(client, crypto, plain) == 200
    assert await Inbox.filter(corp_id=CORP_ID).count() == 1
    # The first delivery is new (and enqueued), the other two are recognised as retries.
    assert REGISTRY.get_sample_value("scrm_callbacks_duplicate_total") == dup_before + 2


async def test_two_customers_same_second_are_two_rows(
    client: TestClient, crypto: WeComCrypto
) -> None:
    for external in ("wmA", "wmB"):
        plain = add_contact_xml(CORP_ID, "zhangsan", external, 1700000000)
        assert await post(client, crypto, plain) == 200
    assert await Inbox.filter(corp_id=CORP_ID).count() == 2


async def test_bad_signature_is_403_and_stores_nothing(
    client: TestClient, crypto: WeComCrypto
) -> None:
    before = refused("bad_signature")
    params, body = signed(crypto, add_contact_xml(CORP_ID, "u", "wmA", 1700000000))
    params["msg_signature"] = "f" * 40
    resp = await client.post(URL, params=params, data=body)
    assert resp.status == 403
    assert await Inbox.all().count() == 0
    assert refused("bad_signature") == before + 1


@pytest.mark.parametrize(
    ("mutate", "status", "reason"),
    [
        (lambda p, b: ({k: v for k, v in p.items() if k != "nonce"}, b), 400, "missing_params"),
        (lambda p, b: (p, b"<xml><Encrypt>unterminated"), 400, "malformed_envelope"),
        (lambda p, b: (p, b"<xml><Other>1</Other></xml>"), 400, "missing_encrypt"),
        (lambda p, b: (p, b"not xml at all"), 400, "malformed_envelope"),
    ],
)
async def test_malformed_requests(
    client: TestClient, crypto: WeComCrypto, mutate, status, reason
) -> None:  # type: ignore[no-untyped-def]
    params, body = signed(crypto, add_contact_xml(CORP_ID, "u", "wmA", 1700000000))
    params, body = mutate(params, body)
    before = refused(reason)
    resp = await client.post(URL, params=params, data=body)
    assert resp.status == status
    assert refused(reason) == before + 1
    assert await Inbox.all().count() == 0


async def test_oversized_body_is_413(client: TestClient, crypto: WeComCrypto) -> None:
    params, _ = signed(crypto, b"<xml/>")
    resp = await client.post(URL, params=params, data=b"<xml>" + b"a" * 70_000 + b"</xml>")
    assert resp.status == 413


async def test_oversized_chunked_body_without_length_is_413(
    client: TestClient, crypto: WeComCrypto
) -> None:
    params, _ = signed(crypto, b"<xml/>")

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 8192

    resp = await client.post(URL, params=params, data=chunks())
    assert resp.status == 413


async def test_unknown_corp_is_404(client: TestClient, crypto: WeComCrypto) -> None:
    params, body = signed(crypto, add_contact_xml(CORP_ID, "u", "wmA", 1700000000))
    resp = await client.post("/wecom/callback/wwUNKNOWN", params=params, data=body)
    assert resp.status == 404


async def test_foreign_receiveid_is_403(client: TestClient) -> None:
    # Signed with our token but encrypted for another corp: the receiveid check catches it.
    foreign = WeComCrypto(TOKEN, AES_KEY, "wwFOREIGN")
    params, body = signed(foreign, add_contact_xml("wwFOREIGN", "u", "wmA", 1700000000))
    resp = await client.post(URL, params=params, data=body)
    assert resp.status == 403
    assert await Inbox.all().count() == 0


async def test_foreign_to_user_name_is_403(client: TestClient, crypto: WeComCrypto) -> None:
    resp_status = await post(client, crypto, add_contact_xml("wwOTHER", "u", "wmA", 1700000000))
    assert resp_status == 403


@pytest.mark.parametrize(
    "payload",
    [
        # billion laughs
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
        b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><xml><A>&lol2;</A></xml>',
        # external entity (XXE)
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<xml><A>&xxe;</A></xml>",
    ],
)
async def test_entity_attacks_do_nothing(
    client: TestClient, crypto: WeComCrypto, payload: bytes
) -> None:
    # Inside a validly signed envelope (the inner event) ...
    assert await post(client, crypto, payload) == 400
    # ... and as the outer envelope itself.
    params, _ = signed(crypto, b"<xml/>")
    resp = await client.post(URL, params=params, data=payload)
    assert resp.status == 400
    assert await Inbox.all().count() == 0


async def test_stale_timestamp_refused_when_skew_check_on(
    aiohttp_client, settings: Settings, crypto: WeComCrypto
) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(
        create_app(
            settings.model_copy(update={"callback_max_skew_seconds": 60}), run_sweeper=False
        )
    )
    params, body = signed(crypto, add_contact_xml(CORP_ID, "u", "wmA", 1), timestamp=1000)
    resp = await client.post(URL, params=params, data=body)
    assert resp.status == 403


async def test_unknown_event_is_stored_not_lost(client: TestClient, crypto: WeComCrypto) -> None:
    plain = event_xml(CORP_ID, 1700000000, Event="brand_new_event", Foo="bar")
    assert await post(client, crypto, plain) == 200
    row = await Inbox.get(corp_id=CORP_ID)
    assert row.kind == "brand_new_event" and row.status == InboxStatus.PENDING


async def test_concurrent_callbacks_share_inserts_and_keep_dedup(
    client: TestClient, crypto: WeComCrypto
) -> None:
    import asyncio

    dup_before = REGISTRY.get_sample_value("scrm_callbacks_duplicate_total") or 0.0
    plains = [add_contact_xml(CORP_ID, "zs", f"wmC{i}", 1700000000) for i in range(20)]
    # Five events delivered twice at the same moment: they may land in the same batch.
    statuses = await asyncio.gather(*(post(client, crypto, p) for p in plains + plains[:5]))
    assert statuses == [200] * 25
    assert await Inbox.filter(corp_id=CORP_ID).count() == 20
    assert REGISTRY.get_sample_value("scrm_callbacks_duplicate_total") == dup_before + 5
