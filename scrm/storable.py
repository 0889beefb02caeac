"""Text every database can store: no NUL, no lone surrogates, no C0 controls but tab and newlines.

PostgreSQL refuses NUL in text (`invalid byte sequence … 0x00`) and asyncpg cannot encode a
lone surrogate; JSON can carry both (`\\u0000`, `\\ud800`). Anything that came from outside
passes through here before it is written."""

from __future__ import annotations

import re
from typing import Any

# C0 controls except \t \n \r, DEL, and the UTF-16 surrogate range (never valid on its own).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def is_clean(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def clean(text: str) -> str:
    """Drop the controls; a lone surrogate becomes U+FFFD (the reader sees something was there)."""
    if is_clean(text):
        return text
    return _UNSTORABLE.sub(lambda m: "\ufffd" if m.group(0) >= "\ud800" else "", text)


def clean_json(value: Any) -> Any:
    """A JSON value with every string in it (keys too) cleaned."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    return value
