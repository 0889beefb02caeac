"""Entity-safe parsing of WeCom's flat XML envelopes and event bodies into dicts."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree


class XmlError(ValueError):
    """The body is not well-formed XML of the shape WeCom sends, or it tried something unsafe."""


# No DTD loading, no entity expansion, no network: XXE and billion-laughs bodies cannot do
# anything; a DOCTYPE is refused outright below. lxml is ~4x faster than defusedxml here,
# and this runs on every callback's ack path (the event; the envelope only when it is not in
# WeCom's exact shape). Its result is stored with the event, so the jobs do not parse again.
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


# WeCom's callback envelope, exactly as it sends it. Matched without a parser on the ack
# path; the ciphertext is only used once its signature checks, so a body this accepts that
# lxml would not (there is none: every part is spelled out) could do nothing.
_ENVELOPE = re.compile(
    rb"\s*<xml>\s*(?:<ToUserName><!\[CDATA\[[\w.-]*\]\]></ToUserName>\s*)?"
    rb"(?:<AgentID><!\[CDATA\[\w*\]\]></AgentID>\s*)?"
    rb"<Encrypt><!\[CDATA\[([A-Za-z0-9+/=]+)\]\]></Encrypt>\s*"
    rb"(?:<AgentID><!\[CDATA\[\w*\]\]></AgentID>\s*)?</xml>\s*"
)


def envelope_encrypt(body: bytes) -> Any:
    """The Encrypt of a callback envelope: WeCom's own shape by a pattern, anything else by
    the parser (which refuses what is malformed, DTDs included)."""
    if (m := _ENVELOPE.fullmatch(body)) is not None:
        return m.group(1).decode("ascii")
    return parse_xml(body).get("Encrypt")


def _value(elem: Any) -> Any:
    if not len(elem):  # a leaf (nearly every field of an event): its text
        text = elem.text
        return text if text and not text.isspace() else ""
    children = [c for c in elem if isinstance(c.tag, str)]
    if not children:
        text = elem.text or ""
        return text if text.strip() else ""
    # Repeated children (<MemChangeList><Item>a</Item><Item>b</Item>) become a list.
    if len({c.tag for c in children}) == 1 and (len(children) > 1 or children[0].tag == "Item"):
        return [_value(c) for c in children]
    return {c.tag: _value(c) for c in children}


def parse_xml(data: bytes | str) -> dict[str, Any]:
    """Parse `<xml>…</xml>` into {tag: text | list | dict}; refuses DTDs and entities."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlError(f"malformed XML: {exc.msg}") from exc
    if root is None:
        raise XmlError("empty document")
    if root.getroottree().docinfo.doctype:
        raise XmlError("DOCTYPE declarations are not accepted")
    if root.tag != "xml":
        raise XmlError(f"unexpected root element <{root.tag}>")
    out: dict[str, Any] = {}
    for child in root:
        tag = child.tag
        if not isinstance(tag, str):  # skip entity references and other node types
            continue
        if len(child):
            out[tag] = _value(child)
        else:  # a leaf, as _value reads it: inline, since nearly every field is one
            text = child.text
            out[tag] = text if text and not text.isspace() else ""
    return out
