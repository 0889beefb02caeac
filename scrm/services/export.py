"""Writing an export: rows of typed cells into CSV (UTF-8 with BOM, for Excel) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from scrm.services import xlsx

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SYNC_LIMIT = 10_000  # more rows than this: a background job with progress
Progress = Callable[[int], Awaitable[None]]


def _csv_text(value: Any, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind in ("pct", "bp") and isinstance(value, float | int):
        return f"{value * 100:.2f}%"
    return str(value)


async def write(
    fmt: str,
    title: str,
    headers: Sequence[str],
    kinds: Sequence[str],
    batches: AsyncIterator[list[list[Any]]],
    progress: Progress | None = None,
) -> bytes:
    """The whole file. XLSX keeps numbers as numbers (元 with two decimals, ratios as
    fractions; no styles), written as it streams in (scrm/services/xlsx.py); CSV writes what
    the page shows. `progress` hears the rows written after each batch."""
    done = 0
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(headers)
        async for batch in batches:
            writer.writerows(
                [_csv_text(v, k) for v, k in zip(row, kinds, strict=True)] for row in batch
            )
            done += len(batch)
            if progress:
                await progress(done)
        return "\ufeff".encode() + buf.getvalue().encode("utf-8")
    if fmt != "xlsx":
        raise ValueError("format must be csv or xlsx")
    sheet = xlsx.Sheet(title or "导出")
    sheet.append_rows([headers])
    async for batch in batches:
        sheet.append_rows(batch)
        done += len(batch)
        if progress:
            await progress(done)
    return sheet.close()
