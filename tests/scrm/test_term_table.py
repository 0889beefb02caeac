"""Terminal tables: Chinese counts two cells, columns line up whatever the script."""

from __future__ import annotations

from bot.term_table import fit, table, width


def test_width_counts_cjk_as_two_cells() -> None:
    assert width("abc") == 3
    assert width("王小明") == 6
    assert width("张三 zs") == 7
    assert width("（全角）") == 8  # full-width brackets are wide too
    assert width("e\u0301") == 1  # a combining accent takes no cell


def test_columns_line_up_by_display_width() -> None:
    text = table(
        ["客户", "staff", "分数"], [["王小明", "zhangsan", 80], ["Li", "李四", 5]], right=(2,)
    )
    lines = text.splitlines()
    # Every row's third column ends in the same terminal cell.
    ends = {width(line) for line in lines}
    assert len(ends) == 1, lines
    starts = {
        width(line[: line.index(col)])
        for line, col in zip(lines, ["staff", "zhangsan", "李四"], strict=True)
    }
    assert len(starts) == 1, lines


def test_fit_cuts_by_cells() -> None:
    assert fit("欢迎光临本店请扫码", 9) == "欢迎光临…"
    assert width(fit("欢迎光临本店请扫码", 9)) <= 9
    assert fit("short", 9) == "short"
