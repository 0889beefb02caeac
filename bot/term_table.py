"""Terminal tables for the demo and other CLI output: columns aligned by display width, so
Chinese (two cells a character) and ASCII (one) line up in the same column."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def width(text: str) -> int:
    """Cells the text takes in a terminal: wide and full-width characters count two,
    combining marks none."""
    cells = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        cells += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return cells


def fit(text: str, cells: int) -> str:
    """`text` cut to at most `cells` cells (with … when cut)."""
    if width(text) <= cells:
        return text
    out, used = "", 0
    for ch in text:
        w = width(ch)
        if used + w > cells - 1:
            break
        out, used = out + ch, used + w
    return out + "…"


def pad(text: str, cells: int, right: bool = False) -> str:
    gap = " " * max(0, cells - width(text))
    return gap + text if right else text + gap


def table(
    head: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    right: Sequence[int] = (),
    limit: int = 40,
    indent: str = "",
) -> str:
    """Rows under a header, each column as wide as its widest cell (cells cut at `limit`);
    the columns numbered in `right` are right-aligned (numbers)."""
    cells = [[fit(str(c), limit) for c in row] for row in [list(head), *rows]]
    widths = [max(width(r[i]) for r in cells) for i in range(len(head))]
    lines = [
        indent
        + "  ".join(
            pad(c, widths[i], right=i in right) if i < len(widths) - 1 or i in right else c
            for i, c in enumerate(r)
        ).rstrip()
        for r in cells
    ]
    return "\n".join(lines)
