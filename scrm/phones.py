"""Phone numbers: one normal form for every intake, and phones found by value, not field name."""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers

REGION = "CN"  # a number without a country code is read as a mainland number
# Spreadsheets turn 13800138000 into 1.38e10 or 13800138000.0; undo that before parsing.
_FLOAT = re.compile(r"\s*\d+(\.\d+)?([eE]\+?\d+)?\s*")
# A value made of nothing but a number: digits (any script), + ( ) - . and spaces.
_SHAPE = re.compile(r"\+?[\d\s\-.()（）]+")
# A number inside free text worth a closer look: 7 to 24 such characters.
_CANDIDATE = re.compile(r"(?<!\d)\+?[\d（(][\d\s\-.()（）]{5,22}\d(?!\d)")


def _unfloat(raw: str) -> str:
    if not _FLOAT.fullmatch(raw) or not ("." in raw or "e" in raw.lower()):
        return raw
    try:
        number = Decimal(raw.strip())
    except InvalidOperation:
        return raw
    return str(int(number)) if number == number.to_integral_value() else raw


def normalize(raw: Any) -> str | None:
    """The E.164 form (+8613800138000) of a valid number, else None (7 digits, letters, …)."""
    text = _unfloat(str(raw or ""))[:64]
    if not text.strip():
        return None
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def key(raw: Any) -> str | None:
    """What is stored and blind-indexed. Mainland numbers keep the 11 national digits the
    indexes were built from before E.164 (decision 0014); others are E.164 with the +."""
    return _key(str(raw or ""))


# Parsing with `phonenumbers` costs ~50 µs and a push's phone is keyed several times (the
# named field, the scan for phones by value): remember the latest few thousand answers.
@functools.lru_cache(maxsize=8192)
def _key(text: str) -> str | None:
    e164 = normalize(text)
    if e164 is None:
        return None
    return e164[3:] if e164.startswith("+86") else e164


def mask(value: str) -> str:
    """13800138000 → 138****8000 (the display form everywhere a phone is shown)."""
    digits = re.sub(r"\D", "", value)
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 7 else "****"


def looks_like_phone(value: Any) -> bool:
    """A whole value that is a phone number (an attribute under any name: 联系电话, mobile2…)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    text = str(value).strip()
    shaped = _SHAPE.fullmatch(text) or _FLOAT.fullmatch(text)
    return len(text) <= 40 and bool(shaped) and key(text) is not None


def mask_in_text(text: str) -> str:
    """Every phone number inside free text masked: 请拨 138-0013-8000 → 请拨 138****8000."""

    def _one(match: re.Match[str]) -> str:
        found = match.group(0)
        found_key = key(found)
        return found if found_key is None else mask(found_key)

    return _CANDIDATE.sub(_one, text)


def mask_values(value: Any) -> Any:
    """A JSON value with every phone-like string or number in it masked, at any depth."""
    if isinstance(value, dict):
        return {k: mask_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_values(v) for v in value]
    if isinstance(value, str):
        return mask(key(value) or "") if looks_like_phone(value) else mask_in_text(value)
    if isinstance(value, int | float) and looks_like_phone(value):
        return mask(key(value) or "")
    return value
