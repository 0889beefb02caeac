"""Whole numbers from user text: ASCII digits only, within bounds, else None — never a 500."""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1  # a bigint primary key
# `str.isdigit()` is true for '²' and '①' (int() then raises) and for '٣' (int() reads 3);
# a huge digit string makes int() raise too. Only this shape is read.
_ASCII_INT = re.compile(r"-?[0-9]{1,19}")


def parse_int(raw: object, lo: int, hi: int) -> int | None:
    """`raw` as an int in [lo, hi] if it is one written in ASCII digits, else None."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not _ASCII_INT.fullmatch(text):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def parse_id(raw: object) -> int | None:
    """A positive database id, else None."""
    return parse_int(raw, 1, MAX_ID)
