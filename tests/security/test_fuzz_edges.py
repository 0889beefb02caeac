# ruff: noqa: F401, F811  (the `served` fixture is imported, then requested by name)
"""Finding 13, the two unauthenticated edges under Hypothesis (derandomized, bounded): the WeCom
callback and the lead webhooks answer every input — any corp id, query, body, signature —
without a 5xx, and store nothing that was not properly signed."""

from __future__ import annotations

import hashlib
import hmac
import json
import string
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CORP_ID, TOKEN
from tests.security._served import ADMIN_TOKEN, ONLY_SQLITE, Served, served
from wecom.crypto import sign

pytestmark = ONLY_SQLITE
FUZZ = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
SOURCE_KEY, SOURCE_SECRET = "fuzz-form", "fuzz-secret-123"
http = requests.Session()

texts = st.text(max_size=80)
ids = st.one_of(st.just(CORP_ID), st.text(string.ascii_letters + string.digits, max_size=90))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)


def xml_body(to_user: str, encrypt: str) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    ).encode("utf-8", errors="surrogatepass")


def test_the_wecom_callback_never_fails_and_stores_nothing_unsigned(served: Served) -> None:
    @FUZZ
    @given(
        corp_id=ids,
        params=st.dictionaries(
            st.sampled_from(["msg_signature", "timestamp", "nonce", "echostr"]), texts
        ),
        body=st.one_of(st.binary(max_size=600), st.builds(xml_body, texts, texts)),
        signed=st.booleans(),
    )
    def post(corp_id: str, params: dict[str, str], body: bytes, signed: bool) -> None:
        if signed:  # a right signature over garbage: it must fail at decryption, cleanly
            encrypt = "".join(chr(b % 94 + 33) for b in body[:200])
            params = {"timestamp": "1", "nonce": "n", **params}
            params["msg_signature"] = sign(TOKEN, params["timestamp"], params["nonce"], encrypt)
            body = xml_body(CORP_ID, encrypt)
        url = f"{served.base}/wecom/callback/{requests.utils.quote(corp_id, safe='')}"
        got = http.post(url, params=params, data=body, timeout=10)
        assert got.status_code < 500, (got.status_code, got.text[:200])
        got = http.get(url, params=params, timeout=10)
        assert got.status_code < 500, (got.status_code, got.text[:200])

    post()
    assert served.count("inbox") == 0


def _form_signature(raw: bytes) -> str:
    return hmac.new(SOURCE_SECRET.encode(), raw, hashlib.sha256).hexdigest()


def test_the_lead_webhooks_never_fail_and_store_nothing_unsigned(served: Served) -> None:
    made = http.post(
        f"{served.base}/api/v1/lead-sources",
        json={"platform": "form", "key": SOURCE_KEY, "secret": SOURCE_SECRET, "channel": "官网"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    )
    assert made.status_code == 201, made.text

    @FUZZ
    @given(
        platform=st.one_of(st.sampled_from(["form", "douyin", "xiaohongshu", "kuaishou"]), texts),
        key=st.one_of(st.just(SOURCE_KEY), texts),
        body=st.one_of(st.binary(max_size=600), json_values.map(lambda v: json.dumps(v).encode())),
        headers=st.dictionaries(
            st.sampled_from(
                [
                    "X-Signature",
                    "X-Douyin-Signature",
                    "X-Red-Signature",
                    "kwaisign",
                    "Msg-Id",
                    "X-Request-Id",
                    "X-Form-Id",
                ]
            ),
            st.text(string.printable.strip(), max_size=70),
        ),  # fmt: skip
    )
    def push(platform: str, key: str, body: bytes, headers: dict[str, str]) -> None:
        before = served.count("lead_event")
        url = f"{served.base}/webhooks/{requests.utils.quote(platform, safe='')}"
        got = http.post(url, params={"key": key}, data=body, headers=headers, timeout=10)
        assert got.status_code < 500, (got.status_code, got.text[:200])
        # Nothing here carries the source's signature: nothing is stored.
        assert served.count("lead_event") == before

    push()

    @FUZZ
    @given(value=json_values)
    def signed_form(value: Any) -> None:
        raw = json.dumps(value).encode()
        headers = {"X-Signature": _form_signature(raw)}
        got = http.post(f"{served.base}/webhooks/form", params={"key": SOURCE_KEY}, data=raw,
                        headers=headers, timeout=10)  # fmt: skip
        # Signed: stored if it is a JSON object (the drain decides what it holds), else a 400.
        assert got.status_code in ((200,) if isinstance(value, dict) else (400,)), got.text

    signed_form()
    assert served.count("lead_event") > 0  # the signed objects did get through
