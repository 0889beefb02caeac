"""The callback envelope's fast path takes WeCom's own shapes and nothing else; what it does not
take goes through the parser, which refuses what is malformed. Leaves keep their text."""

from __future__ import annotations

import pytest

from wecom.crypto import WeComCrypto
from wecom.xmlparse import _ENVELOPE, XmlError, envelope_encrypt, parse_xml

CIPHER = "q2Fz+/9kZGQ="


@pytest.mark.parametrize(
    "body",
    [
        # WeCom's documented order, the order some SDKs use, without AgentID, with newlines
        f"<xml><ToUserName><![CDATA[ww1]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID>"
        f"<Encrypt><![CDATA[{CIPHER}]]></Encrypt></xml>",
        f"<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[{CIPHER}]]></Encrypt>"
        f"<AgentID><![CDATA[]]></AgentID></xml>",
        f"<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[{CIPHER}]]></Encrypt></xml>",
        f"<xml>\n  <ToUserName><![CDATA[ww1]]></ToUserName>\n  <Encrypt><![CDATA[{CIPHER}]]>"
        f"</Encrypt>\n</xml>\n",
    ],
)
def test_wecoms_envelopes_take_the_fast_path(body: str) -> None:
    assert _ENVELOPE.fullmatch(body.encode()) is not None
    assert envelope_encrypt(body.encode()) == CIPHER == parse_xml(body)["Encrypt"]


def test_the_crypto_helpers_own_envelope_takes_it() -> None:
    crypto = WeComCrypto("tok", "a" * 43, "ww1")
    _, body = crypto.envelope(b"<xml><MsgType>event</MsgType></xml>", "1", "n")
    assert _ENVELOPE.fullmatch(body) is not None
    assert envelope_encrypt(body) == parse_xml(body)["Encrypt"]


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        (b"<xml><Encrypt>unterminated", True),
        (b'<!DOCTYPE x [<!ENTITY e "a">]><xml><Encrypt><![CDATA[QQ==]]></Encrypt></xml>', True),
        (f"<xml><Encrypt><![CDATA[{CIPHER}]]></Encrypt></xml><xml/>".encode(), True),
        (b"<xml><Encrypt>QUJD</Encrypt><Extra>1</Extra></xml>", False),  # parser, not pattern
    ],
)
def test_anything_else_goes_through_the_parser(body: bytes, refused: bool) -> None:
    assert _ENVELOPE.fullmatch(body) is None
    if refused:
        with pytest.raises(XmlError):
            envelope_encrypt(body)
    else:
        assert envelope_encrypt(body) == "QUJD"


def test_leaves_keep_their_text_and_blank_ones_are_empty() -> None:
    got = parse_xml(
        b"<xml><A> x </A><B>   </B><C/><D><![CDATA[\xe4\xbd\xa0]]></D>"
        b"<L><Item>a</Item><Item>b</Item></L></xml>"
    )
    assert got == {"A": " x ", "B": "", "C": "", "D": "你", "L": ["a", "b"]}
