"""The export's own XLSX writer: what openpyxl reads back is what was written."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

from openpyxl import load_workbook

from scrm.services import xlsx


def _read(body: bytes) -> tuple[list[str], list[list[Any]]]:
    book = load_workbook(io.BytesIO(body), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    return book.sheetnames, rows


def test_cells_keep_their_types_and_text_survives_escaping() -> None:
    sheet = xlsx.Sheet("商机")
    sheet.append_rows([["ID", "名称", "金额（元）", "比率", "在公海", "备注"]])
    sheet.append_rows(
        [
            [1, "A & B <公司>", 1234.5, 0.125, True, '说"好"'],
            [2, "  前后空格  ", 0, -3, False, ""],
        ]
    )
    sheet.append_rows([[3, None, 10**12, 1e-7, "是", "末"]])
    names, rows = _read(sheet.close())
    assert names == ["商机"]
    assert rows == [
        ["ID", "名称", "金额（元）", "比率", "在公海", "备注"],
        [1, "A & B <公司>", 1234.5, 0.125, True, '说"好"'],
        [2, "  前后空格  ", 0, -3, False],  # trailing empty cells: not written
        [3, None, 10**12, 1e-7, "是", "末"],
    ]


def test_characters_xml_forbids_are_dropped_and_odd_values_become_text() -> None:
    sheet = xlsx.Sheet("线索[导出]:1/2")  # characters Excel refuses in a sheet name
    sheet.append_rows(
        [
            ["a\x00b\x0bc\x1fd", float("nan"), datetime(2026, 12, 4, 9, 30, tzinfo=UTC)],
            [date(2026, 12, 4), ["x"], "\ufffe"],
        ]
    )
    names, rows = _read(sheet.close())
    assert names == ["线索_导出__1_2"]
    assert rows == [
        ["abcd", "nan", "2026-12-04 09:30:00+00:00"],
        ["2026-12-04", "['x']"],
    ]


def test_many_columns_get_their_letters() -> None:
    sheet = xlsx.Sheet("宽")
    sheet.append_rows([list(range(30)), [None] * 29 + ["最后"]])
    _, rows = _read(sheet.close())
    assert rows[0] == list(range(30))
    assert rows[1] == [None] * 29 + ["最后"]
