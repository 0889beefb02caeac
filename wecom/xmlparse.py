"""Entity-safe parsing of WeCom's flat XML envelopes and event bodies into dicts."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class XmlError(ValueError):
    """The body is not well-formed XML of the shape WeCom sends, or it tried something unsafe."""


def _value(elem: Element) -> Any:
    children = list(elem)
    if not children:
        text = elem.text or ""
        return text if text.strip() else ""
    # Repeated children (<MemChangeList><Item>a</Item><Item>b</Item>) become a list.
    if len({c.tag for c in children}) == 1 and (len(children) > 1 or children[0].tag == "Item"):
        return [_value(c) for c in children]
    return {c.tag: _value(c) for c in children}


def parse_xml(data: bytes | str) -> dict[str, Any]:
    """Parse `<xml>…</xml>` into {tag: text | list | dict}; refuses DTDs and entities."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException) as exc:
        raise XmlError(f"malformed or unsafe XML: {type(exc).__name__}") from exc
    if root.tag != "xml":
        raise XmlError(f"unexpected root element <{root.tag}>")
    out: dict[str, Any] = {}
    for child in root:
        out[child.tag] = _value(child)
    return out
