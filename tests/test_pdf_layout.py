"""Layout rules of the PDF reader on rules, characters and lines laid out as the corpus PDFs
print them: the table grid from ruling lines (`plankg.ingest.readers.pdf_grid`), cell text, and
lines rejoined into paragraphs."""

from __future__ import annotations

from plankg.ingest.readers.pdf import (
    _bands,
    _grid_block,
    _Line,
    _logical_cells,
    _starts_paragraph,
    _without_footnote_marks,
)
from plankg.ingest.readers.pdf_grid import Rule, find_grids


def _shifted_table() -> tuple[list[Rule], list[Rule]]:
    """A header row ruled at x = 0, 40, 70, 200, 260 and two body rows whose inner rules sit a
    few points to the left (40, 68, 190) or well to the left (240 as the right border), as Word
    draws a table pasted from two sources: the union of positions has more columns than any row."""
    hs = [Rule(y, 0, 260) for y in (0, 20)] + [Rule(y, 0, 240) for y in (40, 60)]
    vs = [Rule(0, 0, 60)]
    vs += [Rule(x, 0, 20) for x in (40, 70, 200, 260)]
    vs += [Rule(x, 20, 60) for x in (40, 67, 190, 240)]
    return hs, vs


def test_rules_a_few_points_apart_are_one_column_rule() -> None:
    (grid,) = find_grids(*_shifted_table())
    # 67 and 70 are one position: the header's 序号 | 指标 rule is not lost
    header = grid.owner[0]
    assert len({header[c] for c in range(len(header))}) >= 4


def test_rows_ruled_at_shifted_positions_give_logical_columns() -> None:
    (grid,) = find_grids(*_shifted_table())
    assert len(grid.xs) - 1 > 4  # the union of positions: 0 40 67 190 200 240 260
    cells = _logical_cells(grid)
    assert cells is not None
    assert [len(row) for row in cells] == [4, 4, 4]
    # the body rows' unruled sliver right of 240 is not a cell
    assert grid.extent is not None and grid.extent[1][1] < len(grid.xs) - 1


def test_a_header_cell_over_two_columns_keeps_the_grid() -> None:
    # 目标值 over two year columns: the rows print different numbers of cells
    hs = [Rule(y, 0, 200) for y in (0, 20, 40, 60)]
    vs = [Rule(x, 0, 60) for x in (0, 50, 200)] + [Rule(x, 20, 60) for x in (100, 150)]
    (grid,) = find_grids(hs, vs)
    assert _logical_cells(grid) is None


def _ch(text: str, x0: float, top: float, bottom: float) -> dict:
    return {"text": text, "x0": x0, "x1": x0 + 8, "top": top, "bottom": bottom, "size": 10}


def test_footnote_marks_after_a_name_or_a_number_are_dropped() -> None:
    name = [_ch(c, 10 * i, 100, 110) for i, c in enumerate("安全利用")]
    name.append(_ch("2", 41, 98.5, 107))  # smaller and raised
    assert "".join(c["text"] for c in _without_footnote_marks(name)) == "安全利用"
    number = [_ch(c, 6 * i, 100, 114) for i, c in enumerate("9.91")]
    number.append(_ch("3", 25, 100.3, 109))
    assert "".join(c["text"] for c in _without_footnote_marks(number)) == "9.91"


def test_unit_exponents_and_subscripts_stay() -> None:
    unit = [_ch(c, 6 * i, 100, 114) for i, c in enumerate("μg/m")]
    unit.append(_ch("3", 25, 100.2, 109))  # m³: raised after a Latin letter
    assert "".join(c["text"] for c in _without_footnote_marks(unit)) == "μg/m3"
    pm = [_ch(c, 6 * i, 100, 114) for i, c in enumerate("PM")]
    pm += [_ch(c, 12 + 4 * i, 106, 116) for i, c in enumerate("2.5")]  # lowered: a subscript
    assert "".join(c["text"] for c in _without_footnote_marks(pm)) == "PM2.5"


def _line(text: str, x0: float, x1: float, top: float) -> _Line:
    return _Line(text, 23, x0, x1, top, top + 10, 10.0, 595.0, 842.0)


MARGINS = {0: (90.0, 500.0, 10.0), 1: (90.0, 500.0, 10.0)}


def test_a_line_broken_before_a_number_in_an_indented_box_goes_on() -> None:
    # 专栏 text runs from x = 96 (the page's text from 90); the number did not fit on the line
    prev = _line(
        "等措施，实施国家储备林项目建设898万亩，到2025年，国家储备林建设面积达到", 96, 483, 115
    )
    nxt = _line("1098万亩。", 97, 146, 146)
    assert not _starts_paragraph(prev, nxt, MARGINS, [prev])


def test_an_indented_line_after_an_early_break_starts_a_paragraph() -> None:
    prev = _line(
        "等措施，实施国家储备林项目建设898万亩，到2025年，国家储备林建设面积达到", 96, 483, 115
    )
    assert _starts_paragraph(
        prev, _line("建立10处省级以上林木种质资源库", 117, 497, 146), MARGINS, [prev]
    )


def _chars(text: str, x0: float, bottom: float, height: float = 10.0) -> list[tuple]:
    return [
        (x0 + 10 * i, x0 + 10 * i + 9, bottom, bottom + height, ch) for i, ch in enumerate(text)
    ]


def test_two_printed_lines_given_as_one_are_split_top_first() -> None:
    # the last line of a box and the heading under it, interleaved left to right
    box = _chars("碳汇试点。", 75, 480)
    heading = _chars("第二节构建", 120, 440)
    bands = _bands(sorted(box + heading, key=lambda ch: ch[0]))
    assert ["".join(ch[4] for ch in sorted(b, key=lambda ch: ch[0])) for b in bands] == [
        "碳汇试点。",
        "第二节构建",
    ]


def test_one_line_stays_one_with_superscripts_and_flat_boxes() -> None:
    line = [*_chars("面积万m", 75, 480), (135, 140, 486, 492, "3")]  # m³, raised
    assert len(_bands(line)) == 1
    flat = _chars("- 6 -", 280, 60, 0.0)  # boxes without height, dashes a little higher
    flat[0] = (*flat[0][:2], 62.5, 62.5, "-")
    assert len(_bands(flat)) == 1


def _cell_chars(text: str, x0: float, top: float) -> list[dict]:
    return [
        {
            "text": ch,
            "x0": x0 + 10 * i,
            "x1": x0 + 10 * i + 9,
            "top": top,
            "bottom": top + 9,
            "size": 9,
        }
        for i, ch in enumerate(text)
    ]


def _row_chars(cells: tuple[str, str, str, str], top: float) -> list[dict]:
    """One row's characters in the columns 0–150, 150–200, 200–250 and 250–300."""
    return [
        ch
        for x0, text in zip((5, 160, 210, 262), cells, strict=True)
        for ch in _cell_chars(text, x0, top)
    ]


def test_a_box_with_its_caption_and_header_drawn_without_column_rules() -> None:
    # Guizhou's 专栏1: caption row and header row ruled only above and below; body rows ruled
    hs = [Rule(y, 0, 300) for y in (0, 20, 40, 60, 80)]
    vs = [Rule(0, 0, 80), Rule(300, 0, 80)] + [Rule(x, 40, 80) for x in (150, 200, 250)]
    (grid,) = find_grids(hs, vs)
    chars = (
        _cell_chars("专栏1主要指标", 60, 5)
        + _row_chars(("主要指标", "2020", "2025", "属性"), 25)
        + _row_chars(("森林覆盖率", "61", "64", "约束性"), 45)
        + _row_chars(("湿地保护率", "51", "55", "约束性"), 65)
    )
    block, _, top = _grid_block(grid, chars, 11, 842.0)
    assert top == 20  # the caption is left to the text lines
    assert block.rows[0] == ("主要指标", "2020", "2025", "属性")
    assert block.rows[1] == ("森林覆盖率", "61", "64", "约束性")
    assert block.header_rows == 1 and not block.group_rows


def test_a_title_printed_across_the_columns_stays_one_cell() -> None:
    hs = [Rule(y, 0, 300) for y in (0, 20, 40, 60)]
    vs = [Rule(0, 0, 60), Rule(300, 0, 60)] + [Rule(x, 20, 60) for x in (150, 200, 250)]
    (grid,) = find_grids(hs, vs)
    chars = (
        _cell_chars("一、生态保护和修复的主要指标体系", 100, 5)  # runs over the rule at 150 and 200
        + _row_chars(("指标", "2020", "2025", "属性"), 25)
        + _row_chars(("森林覆盖率", "61", "64", "约束性"), 45)
    )
    block, _, _ = _grid_block(grid, chars, 11, 842.0)
    assert block.rows[0] == ("一、生态保护和修复的主要指标体系",) * 4
