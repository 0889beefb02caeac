"""WXBizMsgCrypt against the public vectors, an independent implementation, and bad input."""

from __future__ import annotations

import base64
import os

import pytest
from wechatpy.enterprise.crypto import WeChatCrypto

from wecom.crypto import (
    DecryptError,
    ReceiveIdError,
    SignatureError,
    WeComCrypto,
    aes_key_from_encoding_key,
)

# Set B — legacy official example (wecom-reference.md §1.7).
B = WeComCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
B1_ECHO = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)
B2_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczc"
    "dCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLj"
    "vd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMn"
    "vw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k"
    "22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2Yoy"
    "yH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)

# Set D — generated for this project.
D = WeComCrypto(
    "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
    "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
    "ww1436e0e65a779aee",
)
D_PLAIN = (
    b"<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><FromUserName><![CDATA[sys]]>"
    b"</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType>"
    b"<Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]>"
    b"</ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[wmTestExternal0001]]>"
    b"</ExternalUserID><State><![CDATA[ch_douyin_001]]></State><WelcomeCode><![CDATA[WELCOMECODE]]>"
    b"</WelcomeCode></xml>"
)
D_ENCRYPT = (
    "scEag1243Fmy/fYz4Ux8D1FrDEKo2W8SMhMOM0NssBubxQcpUs2fW7Ju+HO1EjGZF8t8JSUk50nql37NSTz/bvMP"
    "+MIFKlpFTzGcJrWQTba9TgIQtljeaNBaxRtkFPvhJD+ywA8fM4T2wb/KgAQrOmRdAKqf7ULPrfP7dPbIFQ1POp2r"
    "9D+x3u8xzBjjq7HKNaJsmWs1zw2KZQkb39OLIceX4tRnmCT3Ew2Dgtrp25LDe4JGaCKid6sgNOznNzBtosiwxa1K"
    "E/FUljpiGkBeJVL3lkIMmJDDwEVA05eUHIGwrpdGCUXnwWx/FjGVgejVmlsYqSQFZHbkzxBMg8a55OB5aMS0OSPZ"
    "2G1SLGSHArH5w72jSH6NVf+G2kZvyX5GYCXJFy0KLphiMoXQuq5fa71LR+e/uO7OmXAKCauy4ZlJIihV5jpshnqa"
    "cP+H6jF7a/TeIAPaQm2rJ+lknhUR4mjp+j8/72sQlJ5V7irXqBux7er7GhjNmncnVZL0RaLKVotWnwjGXc0VgqWA"
    "4YssMyNk0LpkRMrsUCxYlb4fqEZYV6grCsQQXDfyHCqFLgdYR9OdZIMIqOcgPF/i/qnM5s4dcMmmqWSkVxIpoG0Y"
    "KHncKCnjBYzMV0VPDO1aurRXfGfl+5M87ZNMkvsdoh5o9/Ug4S6/xcMiW0d4QAjkn1+Kd5jyiRncK2cuNl2RiBXq"
    "JpumWI+2u9cMvOPoZt4ZOA=="
)


def test_b1_url_verification_vector() -> None:
    echo = B.verify_and_decrypt(
        "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", B1_ECHO
    )
    assert echo == b"1616140317555161061"


def test_b2_post_vector() -> None:
    plain = B.verify_and_decrypt(
        "477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", B2_ENCRYPT
    )
    assert plain.startswith(b"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]>")
    assert b"<Content><![CDATA[hello]]></Content>" in plain
    assert b"<MsgId>4561255354251345929</MsgId>" in plain


def test_d_vector_encrypts_to_the_published_ciphertext_and_signature() -> None:
    encrypt = D.encrypt(D_PLAIN, b"0123456789abcdef")
    assert encrypt == D_ENCRYPT
    assert D.signature("1700000000", "1234567890", encrypt) == (
        "04b79b6fa976fff02ba467918275382dfed78ae7"
    )
    assert D.decrypt(encrypt) == D_PLAIN


@pytest.mark.parametrize("size", [0, 1, 15, 16, 31, 32, 33, 4000])
def test_round_trip_at_block_boundaries(size: int) -> None:
    msg = os.urandom(size)
    assert D.decrypt(D.encrypt(msg)) == msg


def test_envelope_is_accepted_by_wechatpy() -> None:
    """An independent implementation (wechatpy) decrypts what we produce, and vice versa."""
    signature, body = D.envelope(D_PLAIN, "1700000001", "42")
    other = WeChatCrypto(D.token, "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", D.receive_id)
    assert other.decrypt_message(body.decode(), signature, "1700000001", "42").encode() == D_PLAIN
    theirs = other.encrypt_message("<xml><A>1</A></xml>", "77", "1700000002")
    encrypt = theirs.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    their_sig = theirs.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    assert D.verify_and_decrypt(their_sig, "1700000002", "77", encrypt) == b"<xml><A>1</A></xml>"


def test_wrong_signature_is_refused_before_decryption() -> None:
    with pytest.raises(SignatureError):
        B.verify_and_decrypt("0" * 40, "1409659813", "1372623149", "not even base64!")


def test_foreign_receive_id_is_refused() -> None:
    other_corp = WeComCrypto(D.token, "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", "wwOTHER")
    with pytest.raises(ReceiveIdError):
        D.decrypt(other_corp.encrypt(b"<xml/>"))


@pytest.mark.parametrize(
    "encrypt",
    [
        "%%%not-base64%%%",
        base64.b64encode(b"short").decode(),
        base64.b64encode(b"x" * 17).decode(),
        "",
    ],
)
def test_garbage_ciphertext_raises_decrypt_error(encrypt: str) -> None:
    with pytest.raises(DecryptError):
        D.decrypt(encrypt)


def test_bad_padding_is_detected() -> None:
    # Valid blocks whose last byte decrypts to a pad value > 32 must not be accepted.
    for _ in range(50):
        raw = base64.b64encode(os.urandom(64)).decode()
        try:
            D.decrypt(raw)
        except (DecryptError, ReceiveIdError):
            continue
        pytest.fail("random ciphertext decrypted cleanly")


@pytest.mark.parametrize("key", ["short", "!" * 43])
def test_bad_encoding_aes_key(key: str) -> None:
    with pytest.raises(ValueError):
        aes_key_from_encoding_key(key)
