"""The exports' XLSX sheet: openpyxl's write-only workbook, fed cells it cannot refuse."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# Characters Excel refuses in a sheet name; XML-forbidden characters are dropped everywhere,
# since openpyxl refuses a whole workbook for one of them (a pasted form answer, say).
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_NONCHARS = re.compile("[\ufffe\uffff]")


def _plain(value: Any) -> Any:
    """A value openpyxl writes as is: numbers and booleans stay, the rest becomes clean text
    (instants arrive already in the corp's zone and format; a stray one is written as text,
    since Excel has no time zones)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        value = value.isoformat(" ")
    elif isinstance(value, date):
        value = value.isoformat()
    text = _NONCHARS.sub("", ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    return text or None


class Sheet:
    """Rows appended in order (openpyxl's write-only mode keeps no cell objects around);
    `close` gives the file."""

    def __init__(self, title: str) -> None:
        self._book = Workbook(write_only=True)
        clean = _SHEET_NAME.sub("_", _NONCHARS.sub("", ILLEGAL_CHARACTERS_RE.sub("", title)))
        self._sheet = self._book.create_sheet(title=clean[:31] or "Sheet1")

    def append_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        append = self._sheet.append
        for row in rows:
            append([_plain(v) for v in row])

    def close(self) -> bytes:
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()
