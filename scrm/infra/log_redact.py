"""A structlog processor that keeps secrets and phone numbers out of every log line."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from scrm import phones

MASK = "***"
# A key holding any of these words is masked whole, at any depth of the event.
SECRET_WORDS = (
    "token",
    "secret",
    "password",
    "passwd",
    "aes_key",
    "aeskey",
    "authorization",
    "cookie",
    "signature",
    "secret_key",
)
# The same names inside free text (a URL's query, a repr, an exception message, a traceback):
# `access_token=…`, `"password": "…"`, `corpsecret: …`, `Bearer …`.
_IN_TEXT = re.compile(
    r"(?i)(\b(?:[\w-]*_)?(?:token|secret|corpsecret|password|passwd|aes_?key|authorization"
    r"|cookie)\b[\"']?\s*[:=]\s*[\"']?)(?:bearer\s+)?([^\s\"'&,;)}\]]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[\w.~+/=-]+")
# Keys the pipeline itself adds; they hold no user data and are left alone for speed.
_OWN_KEYS = frozenset({"timestamp", "level", "logger", "_record", "_from_structlog"})


def is_secret_key(key: object) -> bool:
    name = str(key).lower()
    return any(word in name for word in SECRET_WORDS)


def scrub_text(text: str) -> str:
    """Secrets after their names and phone numbers anywhere in the text, masked."""
    text = _IN_TEXT.sub(lambda m: m.group(1) + MASK, text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return phones.mask_in_text(text)


def scrub(value: Any, depth: int = 0) -> Any:
    """Any logged value, masked: mappings by key name, strings by content, numbers if phones."""
    if depth > 8:
        return MASK  # nothing we log nests this deep; a huge structure is not worth walking
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: MASK if is_secret_key(k) else scrub(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(v, depth + 1) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return phones.mask(phones.key(value) or "") if phones.looks_like_phone(value) else value
    if value is None or isinstance(value, bool):
        return value
    # Anything else (a model, a URL, an exception) is logged by its text: scrub that text.
    return scrub_text(str(value))


def redact(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The processor: runs last before rendering, so it also sees the formatted traceback."""
    for key in list(event):
        if key in _OWN_KEYS:
            continue
        if key not in ("event", "exception") and is_secret_key(key):
            event[key] = MASK
        else:
            event[key] = scrub(event[key])
    return event
