"""Rebuild tables from the cleaned text of a plan.

The outliner (`plankg.ingest.segment`) finds where a table starts (a line for which
`looks_like_header` is true) and how far it may run, and calls `parse_table`. Three layouts occur:

* **tab cells** (Word exports): every cell line starts with one "\t"; a line without the tab
  continues the cell above (vertical text, "（万元）"); a blank line ends a row. When the cleaner
  keeps empty cells (a line holding only "\t"), or when no row lacks a cell, rows are read by
  position: one cell a column. A row with more cells than columns (a cell split in two) or fewer
  (cells merged across columns) has one elastic column, chosen where its cells fit the columns
  best (values and kinds seen in the full rows; a number or "—" in 序号), else the widest column.
  Empty cells that open a row (before or just after its number, in the left half) are merged
  with the row above and carried down. A total row's sum goes under the column it sums.
* **spaced rows** (PDF text layers): one row a line, cells separated by spaces; a merged category
  cell is printed on short lines of its own before the first row it covers.
* **stacked rows** (PDF text layers with wrapped cells): the number of a row on its own line or at
  the start of the first line, then a narrow category column (merged, carried down), a wide text
  column and unit columns ("区生态环境局 /"), each wrapped over several short lines, with group
  rows ("一、目标指标") and header rows repeated at page breaks.

A PDF layer with every cell on its own line (the municipal plan) is parsed on a best-effort basis.

Cell text and spans: a cell's text is its printed pieces (one per line) joined without newline;
`Row.pieces[col]` lists the pieces, so that ``"".join(text[s:e] for s, e in pieces) == cells[col]``
always, and `Row.spans[col]` runs from the first piece's start to the last piece's end. When a cell
is printed on consecutive lines, ``text[s:e]`` with "\\n" and line-leading "\\t" removed equals the
cell; when other cells' lines sit between its pieces (a task whose last line is printed after the
unit columns), only the pieces say exactly where it is.

Row spans never overlap: a row's span covers its own lines only (see `_disjoint`).

Known limits: when the cleaner drops empty Word cells, an empty cell inside a row and a row
boundary look alike; rows are then rebuilt from the number of columns, the 序号 column and the
values seen in the last column, and an inner run of empty cells counts as one empty cell.

Vocabulary (header words, unit-name suffixes and prefixes, group columns) lives in
`data/unit-name-patterns.txt`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.resources import files

from plankg.ingest.clean import width
from plankg.ingest.headings import match_marker

# Name given to the unnamed narrow category column of stacked task tables.
CATEGORY_COLUMN = "任务类别"
# Column that holds the row number.
NUMBER_COLUMNS = ("序号", "编号")

_ORDINAL = re.compile(r"^\s*(?P<n>\d{1,3})(?:\s+(?P<rest>\S.*))?$")
_YEAR_HEADER = re.compile(r"^\d{4}年[\u4e00-\u9fff（）()A-Za-z]*$")
_DASH = re.compile(r"^[—\-－–/／]+$")
# Punctuation that units never contain: a line with any of these is running text.
_TEXT_PUNCT = re.compile(r"[，。；：！？“”‘’《》（）()%％‰≥≤＞＜><=＝+＋\d]")
_SPACES = re.compile(r"\S+")
_VALUE_CHARS = re.compile(r"^[\d.．,，%％‰≥≤＞＜><~～\-—/／【】\[\]]+$")
# Longest unit name a cell line may start with (characters); longer runs are prose.
_MAX_UNIT_LEN = 20
# A category line of a stacked table is at most this wide (full-width cells).
_MAX_CATEGORY_WIDTH = 5.5
# A line without a tab continues a Word table cell only when it is at most this wide.
_MAX_CONTINUATION_WIDTH = 16
# A note after a table: 备注：, 注：, 抄送：, 资料来源：
_NOTE = re.compile(r"^[\u4e00-\u9fff]{1,6}[：:]")
# Unit columns are at most this share of the widest text column.
_UNIT_WIDTH_SHARE = 0.6


@dataclass(frozen=True)
class Row:
    """One row of a table, with the span of every printed cell in the cleaned text."""

    start: int  # first char of the row's first printed cell
    end: int  # end of the row's last printed cell
    cells: dict[str, str]  # column -> cell text ("" when empty)
    spans: dict[str, tuple[int, int]]  # column -> span of the printed cell (absent when carried)
    carried: frozenset[str]  # columns whose value was carried down from the row above
    group: str | None  # group row or category the row sits under
    pieces: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """A table rebuilt from cleaned text."""

    columns: tuple[str, ...]  # column names from the header row
    rows: tuple[Row, ...]
    start: int  # where the header row starts
    end: int  # where the table stops (what follows is not part of it)
    layout: str = ""  # "tab", "spaced", "stacked" or "lines"


# --------------------------------------------------------------------------------------------
# Vocabulary


@dataclass(frozen=True)
class _Vocabulary:
    unit_suffixes: tuple[str, ...]
    unit_prefixes: tuple[str, ...]
    header_words: frozenset[str]
    header_starts: frozenset[str]
    group_columns: frozenset[str]
    closing_values: frozenset[str]
    total_words: frozenset[str]


def _parse_vocabulary(source: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in source.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), [])
        elif current is not None:
            current.append(line)
    return sections


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    source = files("plankg.data").joinpath("unit-name-patterns.txt").read_text(encoding="utf-8")
    s = _parse_vocabulary(source)
    return _Vocabulary(
        unit_suffixes=tuple(sorted(s.get("unit-suffixes", []), key=len, reverse=True)),
        unit_prefixes=tuple(sorted(s.get("unit-prefixes", []), key=len, reverse=True)),
        header_words=frozenset(s.get("header-words", [])),
        header_starts=frozenset(s.get("header-starts", [])),
        group_columns=frozenset(s.get("group-columns", [])),
        closing_values=frozenset(s.get("closing-values", [])),
        total_words=frozenset(s.get("total-words", [])),
    )


def _is_header_word(word: str) -> bool:
    return word in _vocabulary().header_words or bool(_YEAR_HEADER.match(word))


def is_unit_name(name: str) -> bool:
    """Does `name` look like a complete unit name (ends with a unit suffix, three chars or more)?"""
    name = name.strip().removesuffix("等")
    if len(name) < 3 or len(name) > _MAX_UNIT_LEN or _TEXT_PUNCT.search(name):
        return False
    return name.endswith(_vocabulary().unit_suffixes)


def _starts_unit(token: str) -> bool:
    """A token that opens a unit name: a complete unit, or a known prefix (区…, 各…)."""
    first = token.split("、", 1)[0]
    if "等" in first.removesuffix("等"):
        return False
    return is_unit_name(first) or first.startswith(_vocabulary().unit_prefixes)


def _ends_complete(chunk: str) -> bool:
    """The unit list `chunk` ends with a complete name (not with 、 or half a name)."""
    if not chunk or chunk.endswith("、"):
        return False
    if _DASH.match(chunk):
        return True
    return is_unit_name(chunk.rsplit("、", 1)[-1])


# --------------------------------------------------------------------------------------------
# Public API


def looks_like_header(line: str) -> bool:
    """Is `line` (or tab-cell line) the first line of a table header row?

    True when the line (without its leading tab) opens with a header word that may start a
    header (序号, 类别, 领域, 指标名称, 项目名称, 任务内容, …) and, when it holds several
    space-separated words, at least one more of them is a header word.
    """
    words = line.strip().split()
    if not words or words[0] not in _vocabulary().header_starts:
        return False
    if len(words) == 1:
        return True
    return sum(1 for w in words[1:] if _is_header_word(w)) >= 1


def parse_table(text: str, start: int, end: int) -> Table | None:
    """Rebuild the table whose header row begins at `start`; it runs no further than `end`.

    Returns None when no header or no row can be read there. Never raises on odd input.
    """
    try:
        return _parse_table(text, start, end)
    except (ValueError, IndexError, KeyError):
        return None


def _parse_table(text: str, start: int, end: int) -> Table | None:
    end = min(max(end, 0), len(text))
    if not 0 <= start < end:
        return None
    lines = _lines(text, start, end)
    if not lines:
        return None
    first = text[lines[0][0] : lines[0][1]]
    if not looks_like_header(first):
        return None
    if first.startswith("\t"):
        return _parse_tab(text, lines)
    if len(first.split()) >= 2:
        if _spaced_rows(text, lines):
            return _parse_spaced(text, lines)
        return _parse_stacked(text, lines)
    return _parse_per_line(text, lines)


# --------------------------------------------------------------------------------------------
# Shared helpers


@dataclass
class _Cell:
    pieces: list[tuple[int, int]]

    def value(self, text: str) -> str:
        return "".join(text[s:e] for s, e in self.pieces)


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the lines in text[start:end] (without their newline)."""
    out: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        out.append((pos, stop))
        if nl < 0:
            break
        pos = nl + 1
    return out


def _tokens(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Spans of the space-separated tokens of text[lo:hi]."""
    return [(m.start(), m.end()) for m in _SPACES.finditer(text, lo, hi)]


def _ends_table(line: str) -> bool:
    """A heading or caption line: no table runs over it."""
    marker = match_marker(line.strip())
    return marker is not None and marker.kind not in ("cn_item", "arabic", "arabic_paren")


class _RowBuilder:
    """Assigns cells to columns and carries merged cells down."""

    def __init__(self, text: str, columns: tuple[str, ...]) -> None:
        self.text = text
        self.columns = columns
        self.rows: list[Row] = []
        self.previous: dict[str, str] = {}
        group_cols = _vocabulary().group_columns
        self.group_column = next((c for c in columns if c in group_cols), None)

    def add(
        self,
        assigned: dict[str, _Cell | None],
        group: str | None = None,
        carry: tuple[str, ...] = (),
    ) -> None:
        """`assigned`: column -> printed cell, or None for an empty cell; `carry`: columns to
        take from the row above."""
        cells: dict[str, str] = {}
        spans: dict[str, tuple[int, int]] = {}
        pieces: dict[str, tuple[tuple[int, int], ...]] = {}
        carried: set[str] = set()
        for col in self.columns:
            cell = assigned.get(col)
            if cell is not None and cell.pieces:
                cells[col] = cell.value(self.text)
                spans[col] = (cell.pieces[0][0], cell.pieces[-1][1])
                pieces[col] = tuple(cell.pieces)
            elif col in carry and self.previous.get(col):
                cells[col] = self.previous[col]
                carried.add(col)
            else:
                cells[col] = ""
        if not spans:
            return
        if group is None and self.group_column:
            group = cells.get(self.group_column) or None
        starts = [p[0][0] for p in pieces.values()]
        ends = [p[-1][1] for p in pieces.values()]
        self.rows.append(
            Row(min(starts), max(ends), cells, spans, frozenset(carried), group, pieces)
        )
        self.previous = cells


def _disjoint(rows: list[Row]) -> tuple[Row, ...]:
    """Rows whose spans are in document order and do not overlap.

    A row's span is the hull of its own pieces: those after the end of the row above and
    before the first piece of the row below. A piece printed among another row's lines (a
    scattered cell) stays in `pieces` and `spans` but does not stretch the row's span.
    """
    out: list[Row] = []
    previous_end = -1
    for k, row in enumerate(rows):
        following = rows[k + 1].start if k + 1 < len(rows) else None
        pieces = [p for ps in row.pieces.values() for p in ps]
        own = [
            p
            for p in pieces
            if p[0] >= previous_end
            and (following is None or following <= row.start or p[1] <= following)
        ]
        own = own or [p for p in pieces if p[0] >= previous_end]
        if not own:
            continue  # every printed cell lies inside rows above: nothing of its own
        start, end = min(p[0] for p in own), max(p[1] for p in own)
        if (start, end) != (row.start, row.end):
            row = replace(row, start=start, end=end)
        out.append(row)
        previous_end = end
    return tuple(out)


def _number_index(columns: tuple[str, ...]) -> int | None:
    return next((i for i, c in enumerate(columns) if c in NUMBER_COLUMNS), None)


# --------------------------------------------------------------------------------------------
# Tab cells (Word exports)


_GAP = None  # an empty-cell marker between cell groups


def _parse_tab(text: str, lines: list[tuple[int, int]]) -> Table | None:
    header: list[_Cell] = []
    i = 0
    n = len(lines)
    # Header: tab cells that are header words; a line without a tab continues the cell above,
    # also across one blank line when the joined cell is a header word ("指标" … "属性").
    while i < n:
        lo, hi = lines[i]
        line = text[lo:hi]
        word = line.strip()
        if line.startswith("\t"):
            if (
                header
                and not _is_header_word(word)
                and not _is_header_word(header[-1].value(text) + word)
            ):
                break  # the first body cell
            header.append(_Cell([(lo + 1, hi)]))
        elif not word:
            nxt = text[lines[i + 1][0] : lines[i + 1][1]] if i + 1 < n else ""
            if not (
                header
                and nxt.strip()
                and not nxt.startswith("\t")
                and _is_header_word(header[-1].value(text) + nxt.strip())
            ):
                break
        elif header and not _ends_table(line) and _continues_cell(line):
            header[-1].pieces.append((lo, hi))
        else:
            break
        i += 1
    if len(header) < 2:
        return None
    columns = tuple(c.value(text).strip() for c in header)
    header_end = header[-1].pieces[-1][1]
    grid = _grid_rows(text, lines, i, columns)
    totals = _vocabulary().total_words
    if grid and (
        _has_empty_cells(text, lines, i)
        or all(len(r) >= len(columns) or r[0].value(text).strip() in totals for r in grid)
    ):
        # Empty cells are kept, or no row lacks a cell: blank lines are row boundaries.
        return _parse_grid(text, grid, columns, lines[0][0], header_end)
    # Body items: cells and gaps (the cleaner dropped empty cells: see "Known limits").
    items: list[_Cell | None] = []
    previous_blank = True
    while i < n:
        lo, hi = lines[i]
        line = text[lo:hi]
        if not line.strip():
            if items and items[-1] is not _GAP:
                items.append(_GAP)
            previous_blank = True
        elif line.startswith("\t"):
            if looks_like_header(line) and _repeats_header(text, lines, i, columns):
                break
            items.append(_Cell([(lo + 1, hi)]))
            previous_blank = False
        elif (
            previous_blank
            or _ends_table(line)
            or not items
            or items[-1] is _GAP
            or not _continues_cell(line)
        ):
            break
        else:
            cell = items[-1]
            assert cell is not None
            cell.pieces.append((lo, hi))
        i += 1
    while items and items[-1] is _GAP:
        items.pop()
    if not items:
        return None
    groups: list[list[_Cell]] = [[]]
    for item in items:
        if item is _GAP:
            groups.append([])
        else:
            groups[-1].append(item)
    rows = _assemble_tab_rows(text, columns, [g for g in groups if g])
    if not rows.rows:
        return None
    table_end = max(header_end, *(r.end for r in rows.rows))
    return Table(columns, _disjoint(rows.rows), lines[0][0], table_end, "tab")


def _continues_cell(line: str) -> bool:
    """A line without a tab continues the cell above when it is short and opens no note."""
    line = line.strip()
    return width(line) <= _MAX_CONTINUATION_WIDTH and not _NOTE.match(line)


def _repeats_header(
    text: str, lines: list[tuple[int, int]], i: int, columns: tuple[str, ...]
) -> bool:
    lo, hi = lines[i]
    return (
        text[lo:hi].strip() == columns[0]
        and i + 1 < len(lines)
        and text[lines[i + 1][0] : lines[i + 1][1]].strip()
        == (columns[1] if len(columns) > 1 else "")
    )


# Word tables whose empty cells are kept (a line holding only "\t"): rows by position.


def _has_empty_cells(text: str, lines: list[tuple[int, int]], i: int) -> bool:
    """Does the body from line `i` on hold an empty-cell line before the table ends?"""
    previous_blank = True
    for lo, hi in lines[i:]:
        line = text[lo:hi]
        if line == "\t":
            return True
        if not line.strip():
            previous_blank = True
        elif not line.startswith("\t") and previous_blank:
            return False
        else:
            previous_blank = False
    return False


def _grid_rows(
    text: str, lines: list[tuple[int, int]], i: int, columns: tuple[str, ...]
) -> list[list[_Cell]]:
    """Cells of each row: a blank line ends a row, a tab line opens a cell ("\\t" alone: an empty
    cell), a line without a tab continues the cell above; the table ends at a line without a tab
    after a blank line, at a heading or note, or where the header is repeated."""
    rows: list[list[_Cell]] = []
    current: list[_Cell] = []
    while i < len(lines):
        lo, hi = lines[i]
        line = text[lo:hi]
        i += 1
        if line != "\t" and not line.strip():
            if current:
                rows.append(current)
                current = []
            continue
        if line.startswith("\t"):
            if (
                not current
                and looks_like_header(line)
                and _repeats_header(text, lines, i - 1, columns)
            ):
                break
            current.append(_Cell([(lo + 1, hi)] if hi > lo + 1 else []))
        elif current and not _ends_table(line) and not _NOTE.match(line.strip()):
            current[-1].pieces.append((lo, hi))
        else:
            break
    if current:
        rows.append(current)
    return rows


def _kind(value: str) -> str:
    """Coarse type of a cell value, to compare a cell with the cells of a column."""
    if _VALUE_CHARS.match(value):
        return "value"
    if all(is_unit_name(part) for part in value.split("、")):
        return "unit"
    return "text" if width(value) > 6 else "word"


@dataclass
class _Profile:
    """What the cells of each column look like in the rows that have one cell per column."""

    values: list[set[str]]
    kinds: list[dict[str, int]]
    elastic: int  # the widest column: where extra or missing cells go by default
    number: int | None  # the 序号 column

    def fits(self, value: str, col: int) -> float:
        if not value:
            return 0.0
        score = 2.0 if value in self.values[col] else 0.0
        kinds = self.kinds[col]
        if kinds and kinds.get(_kind(value), 0) * 2 >= sum(kinds.values()):
            score += 1.0
        return score


def _profile(text: str, rows: list[list[_Cell]], columns: tuple[str, ...]) -> _Profile:
    ncols = len(columns)
    values: list[set[str]] = [set() for _ in range(ncols)]
    kinds: list[dict[str, int]] = [{} for _ in range(ncols)]
    widths = [0.0] * ncols
    for row in rows:
        if len(row) != ncols:
            continue
        for col, cell in enumerate(row):
            value = cell.value(text)
            if value:
                values[col].add(value)
                kind = _kind(value)
                kinds[col][kind] = kinds[col].get(kind, 0) + 1
                widths[col] += width(value)
    elastic = max(range(ncols), key=lambda c: (widths[c], c))
    return _Profile(values, kinds, elastic, _number_index(columns))


def _align(
    text: str, row: list[_Cell], ncols: int, profile: _Profile, previous: tuple[int, int] | None
) -> tuple[int, list[tuple[int, list[_Cell]]]]:
    """Columns for a row with more or fewer cells than columns (merged or split cells).

    One column is elastic: the cells before it fill the columns on its left one by one, the
    cells after it those on its right; it takes the extra cells (a cell split in two), or its
    cell spans the missing columns (a cell merged across columns). The elastic column is the
    one where the cells fit their columns best; ties go to the column used by the row above
    when it had as many cells, then to the widest column, then to the last.
    Returns the elastic column and (column, cells) pairs.
    """
    m = len(row)
    best: tuple[float, int] | None = None
    best_plan: list[tuple[int, list[_Cell]]] = []
    for k in range(min(m, ncols)):
        plan: list[tuple[int, list[_Cell]]] = [(c, [row[c]]) for c in range(k)]
        if m > ncols:
            plan.append((k, row[k : k + m - ncols + 1]))
            plan += [(c, [row[c + m - ncols]]) for c in range(k + 1, ncols)]
        else:
            plan.append((k, [row[k]]))
            plan += [(ncols - (m - p), [row[p]]) for p in range(k + 1, m)]
        score = sum(profile.fits("".join(c.value(text) for c in cells), col) for col, cells in plan)
        if previous == (m, k):
            score += 0.75
        if profile.number is not None and any(
            col == profile.number and _is_number_cell("".join(c.value(text) for c in cells))
            for col, cells in plan
        ):
            score += 1.5  # a number or "—" in the 序号 column anchors the row
        if k == profile.elastic:
            score += 0.5
        if best is None or (score, k) >= best:
            best, best_plan = (score, k), plan
    assert best is not None
    return best[1], best_plan


def _parse_grid(
    text: str, rows: list[list[_Cell]], columns: tuple[str, ...], start: int, header_end: int
) -> Table | None:
    """Rows of a Word table read by position (`rows` from `_grid_rows`): one cell a column."""
    ncols = len(columns)
    profile = _profile(text, rows, columns)
    builder = _RowBuilder(text, columns)
    previous: tuple[int, int] | None = None
    totals = _vocabulary().total_words
    for row in rows:
        if row[0].value(text).strip() in totals and len(row) < ncols:
            builder.add(
                _assign_total_row(text, [c if c.pieces else None for c in row], builder), carry=()
            )
            continue
        if len(row) == ncols:
            plan = [(c, [cell]) for c, cell in enumerate(row)]
            spanned: set[int] = set()
        else:
            k, plan = _align(text, row, ncols, profile, previous)
            previous = (len(row), k)
            spanned = set(range(k + 1, k + 1 + ncols - len(row))) if len(row) < ncols else set()
        assigned: dict[str, _Cell | None] = {}
        carry: list[str] = []
        leading = True
        for col, cells in plan:
            cell = _merge(list(cells))
            assigned[columns[col]] = cell if cell.pieces else None
            leading = leading and (not cell.pieces or col == profile.number)
            # Empty cells that open a row (before or just after its number), in the left half
            # (领域, 序号, 指标名称, 项目名称), are merged with the row above.
            if leading and col <= ncols // 2 and col not in spanned:
                carry.append(columns[col])
        builder.add(assigned, carry=tuple(carry))
    if not builder.rows:
        return None
    table_end = max(header_end, *(r.end for r in builder.rows))
    return Table(columns, _disjoint(builder.rows), start, table_end, "tab")


def _assemble_tab_rows(
    text: str, columns: tuple[str, ...], groups: list[list[_Cell]]
) -> _RowBuilder:
    ncols = len(columns)
    number_at = _number_index(columns)
    builder = _RowBuilder(text, columns)
    last_values: set[str] = set()
    expected = 1
    # Split the groups into rows: list of items (cells and gaps).
    raw_rows: list[list[_Cell | None]] = []
    current: list[_Cell | None] = []
    for group in groups:
        if current:
            slots = len(current)
            first = group[0].value(text).strip()
            starts_row = first.isdigit() and int(first) == expected
            if slots + 1 + len(group) > ncols or starts_row or _closes(current, text, last_values):
                raw_rows.append(current)
                last = current[-1]
                if last is not None:
                    last_values.add(last.value(text).strip())
                current = []
        if current:
            current.append(_GAP)
        current.extend(group)
        for cell in group:
            value = cell.value(text).strip()
            if value.isdigit() and int(value) == expected:
                expected += 1
                break
    if current:
        raw_rows.append(current)
    template: list[int] | None = None
    for items in raw_rows:
        first = items[0]
        if first is not None and first.value(text).strip() in _vocabulary().total_words:
            builder.add(_assign_total_row(text, items, builder), carry=())
            continue
        assigned, carry, template = _assign_tab_row(text, items, ncols, number_at, template)
        # An empty cell in the left half (项目名称, 领域, 指标名称) is a merged cell: carry it.
        carry = [*carry, *(k for k, v in assigned.items() if v is None and k < ncols // 2)]
        builder.add(
            {columns[k]: v for k, v in assigned.items()}, carry=tuple(columns[k] for k in carry)
        )
    return builder


def _assign_total_row(
    text: str, items: list[_Cell | None], builder: _RowBuilder
) -> dict[str, _Cell | None]:
    """A total row (合计 …): the label in the first column, the sums in the numeric columns."""
    columns = builder.columns
    numeric = [
        c for c in columns[1:] if c not in NUMBER_COLUMNS and _is_numeric_column(builder.rows, c)
    ]
    assigned: dict[str, _Cell | None] = {columns[0]: items[0]}
    values = [item for item in items[1:] if item is not None]
    # A total goes under the column it is the sum of; the others fill the numeric columns.
    sums = {col: _column_sum(builder.rows, col) for col in numeric}
    rest: list[_Cell] = []
    for item in values:
        total = _number(item.value(text))
        col = next(
            (
                c
                for c in numeric
                if c not in assigned
                and total is not None
                and sums[c] is not None
                and abs(sums[c] - total) < 0.01
            ),
            None,
        )  # type: ignore[operator]
        if col is None:
            rest.append(item)
        else:
            assigned[col] = item
    free = [c for c in numeric if c not in assigned]
    for col, item in zip(free, rest, strict=False):
        assigned[col] = item
    return assigned


def _is_numeric_column(rows: list[Row], col: str) -> bool:
    """Are four in five of the printed cells of `col` values (numbers, %, ≥…)?"""
    printed = [r.cells[col] for r in rows if col in r.spans]
    return (
        bool(printed) and sum(1 for v in printed if _VALUE_CHARS.match(v)) * 5 >= len(printed) * 4
    )


def _number(value: str) -> float | None:
    try:
        return float(value.strip().replace(",", "").replace("，", ""))
    except ValueError:
        return None


def _column_sum(rows: list[Row], col: str) -> float | None:
    """Sum of the printed (not carried) numbers of a column; None when there are none."""
    numbers = [_number(r.cells[col]) for r in rows if col in r.spans]
    found = [n for n in numbers if n is not None]
    return sum(found) if found else None


def _closes(current: list[_Cell | None], text: str, last_values: set[str]) -> bool:
    """The row so far ends with a value like those that ended earlier rows (备注: 达标, 满足)."""
    last = current[-1]
    if last is None or not last_values:
        return False
    value = last.value(text).strip()
    if len(value) < 2 or _VALUE_CHARS.match(value):
        return False
    return any(
        len(v) >= 2 and not _VALUE_CHARS.match(v) and (v in value or value in v)
        for v in last_values
    )


def _assign_tab_row(
    text: str,
    items: list[_Cell | None],
    ncols: int,
    number_at: int | None,
    template: list[int] | None,
) -> tuple[dict[int, _Cell | None], list[int], list[int] | None]:
    """Columns for the items of one row: (column -> cell or None, carried columns, template)."""
    assigned: dict[int, _Cell | None] = {}
    if len(items) >= ncols:
        for k, item in enumerate(items[: ncols - 1]):
            assigned[k] = item
        assigned[ncols - 1] = _merge(items[ncols - 1 :])
        return assigned, [], None
    anchor = None
    if number_at is not None:
        for p, item in enumerate(items[: number_at + 1]):
            if item is not None and _is_number_cell(item.value(text)):
                anchor = p
                break
    if anchor is not None and number_at is not None:
        before, rest = items[:anchor], items[anchor + 1 :]
        for k, item in zip(range(number_at - len(before), number_at), before, strict=True):
            if k >= 0:
                assigned[k] = item
        assigned[number_at] = items[anchor]
        room = ncols - number_at - 1
        if len(rest) >= room or not rest:
            for k, item in enumerate(rest[:room]):
                assigned[number_at + 1 + k] = item
            new_template = None
        else:
            # Horizontally merged cells: the first cell after the number is the name column,
            # the rest are aligned on the right; remember the layout for the rows that follow.
            assigned[number_at + 1] = rest[0]
            tail = rest[1:]
            for k, item in zip(range(ncols - len(tail), ncols), tail, strict=True):
                assigned[k] = item
            new_template = [number_at + 1, *range(ncols - len(tail), ncols)]
        carry = [k for k in range(number_at - len(before)) if k >= 0]
        return assigned, carry, new_template
    gaps = sum(1 for item in items if item is None)
    if template is not None and gaps == 1:
        at = items.index(None)
        left, right = items[:at], items[at + 1 :]
        if left and right and len(left) + len(right) < len(template):
            for k, item in zip(template, left, strict=False):
                assigned[k] = item
            for k, item in zip(template[-len(right) :], right, strict=True):
                assigned[k] = item
            carry = list(range(template[0]))
            return assigned, carry, template
    for k, item in zip(range(ncols - len(items), ncols), items, strict=True):
        assigned[k] = item
    carry = list(range(ncols - len(items)))
    return assigned, carry, template


def _merge(items: list[_Cell | None]) -> _Cell:
    pieces = [p for item in items if item is not None for p in item.pieces]
    return _Cell(pieces)


def _is_number_cell(value: str) -> bool:
    value = value.strip()
    return value.isdigit() or (bool(value) and _DASH.match(value) is not None and value != "/")


# --------------------------------------------------------------------------------------------
# Spaced rows (PDF): one row a line


def _header_columns(text: str, lines: list[tuple[int, int]]) -> tuple[list[_Cell], int]:
    """Header cells of a space-separated header line, and the index of the first body line."""
    lo, hi = lines[0]
    cells = [_Cell([span]) for span in _tokens(text, lo, hi)]
    i = 1
    # A wrapped last header cell: "指标" + next line "属性".
    while i < len(lines):
        nlo, nhi = lines[i]
        nxt = text[nlo:nhi].strip()
        if nxt and " " not in nxt and _is_header_word(cells[-1].value(text) + nxt):
            cells[-1].pieces.append((nlo + len(text[nlo:nhi]) - len(text[nlo:nhi].lstrip()), nhi))
            i += 1
        else:
            break
    return cells, i


def _spaced_rows(text: str, lines: list[tuple[int, int]]) -> bool:
    """Are most numbered lines after the header full rows (as many cells as columns, nearly)?"""
    header, i = _header_columns(text, lines)
    full = numbered = 0
    for lo, hi in lines[i : i + 40]:
        m = _ORDINAL.match(text[lo:hi])
        if m:
            numbered += 1
            if len(text[lo:hi].split()) >= max(3, len(header) - 2):
                full += 1
    return numbered > 0 and full * 2 > numbered


def _is_category_line(line: str) -> bool:
    line = line.strip()
    return (
        bool(line)
        and " " not in line
        and width(line) <= _MAX_CATEGORY_WIDTH
        and not (_TEXT_PUNCT.search(line))
    )


def _parse_spaced(text: str, lines: list[tuple[int, int]]) -> Table | None:
    header, i = _header_columns(text, lines)
    columns = tuple(c.value(text) for c in header)
    ncols = len(columns)
    number_at = _number_index(columns)
    if number_at is None:
        return None
    builder = _RowBuilder(text, columns)
    expected = 1
    category: _Cell | None = None
    table_end = header[-1].pieces[-1][1]
    while i < len(lines):
        lo, hi = lines[i]
        line = text[lo:hi]
        m = _ORDINAL.match(line)
        if m and int(m.group("n")) == expected and m.group("rest"):
            tokens = _tokens(text, lo, hi)
            after = ncols - number_at - 1  # columns after the number
            if len(tokens) - 1 < after:
                break
            assigned: dict[str, _Cell | None] = {columns[number_at]: _Cell([tokens[0]])}
            values = tokens[len(tokens) - (after - 1) :] if after > 1 else []
            name = tokens[1 : len(tokens) - len(values)]
            assigned[columns[number_at + 1]] = _Cell([(name[0][0], name[-1][1])])
            for k, span in enumerate(values):
                assigned[columns[number_at + 2 + k]] = _Cell([span])
            if number_at > 0 and category is not None:
                assigned[columns[number_at - 1]] = category
            category = None
            builder.add(assigned, carry=columns[:number_at])
            table_end = hi
            expected += 1
        elif number_at > 0 and _is_category_line(line) and not _ends_table(line):
            if category is None:
                category = _Cell([])
            category.pieces.append((lo, hi))
        else:
            break
        i += 1
    if not builder.rows:
        return None
    return Table(columns, _disjoint(builder.rows), lines[0][0], table_end, "spaced")


# --------------------------------------------------------------------------------------------
# Stacked rows (PDF): wrapped cells over several short lines


@dataclass
class _StackedRow:
    number: _Cell
    category: _Cell | None = None
    body: _Cell = field(default_factory=lambda: _Cell([]))
    units: list[tuple[int, int]] = field(default_factory=list)  # unit tokens in order
    group: str | None = None


def _parse_stacked(text: str, lines: list[tuple[int, int]]) -> Table | None:
    header, i = _header_columns(text, lines)
    header_names = [c.value(text) for c in header]
    header_line = text[lines[0][0] : lines[0][1]].split()
    if _number_index(tuple(header_names)) != 0 or len(header_names) < 3:
        return None
    body_widths = sorted(width(text[lo:hi]) for lo, hi in lines[i:] if text[lo:hi].strip())
    if not body_widths:
        return None
    wide = body_widths[int(len(body_widths) * 0.9) - 1 if len(body_widths) >= 10 else -1]
    unit_max = max(wide * _UNIT_WIDTH_SHARE, 6.0)
    rows: list[_StackedRow] = []
    expected = 1
    group: str | None = None
    state = "none"
    table_end = header[-1].pieces[-1][1]
    while i < len(lines):
        lo, hi = lines[i]
        line = text[lo:hi]
        stripped = line.strip()
        i += 1
        if not stripped:
            continue
        if stripped.split() == header_line:
            continue  # header repeated at a page break
        m = _ORDINAL.match(stripped)
        if m and int(m.group("n")) == expected:
            n_end = lo + line.index(m.group("n")) + len(m.group("n"))
            row = _StackedRow(_Cell([(lo + line.index(m.group("n")), n_end)]), group=group)
            rows.append(row)
            expected += 1
            rest = m.group("rest")
            state = "category"
            if rest:
                rest_lo = lo + line.index(rest, n_end - lo)
                if _is_category_line(rest):
                    row.category = _Cell([(rest_lo, hi)])
                else:
                    state = _stacked_line(text, row, rest_lo, hi, "body", unit_max)
            table_end = max(table_end, hi)
            continue
        marker = match_marker(stripped)
        if (
            marker is not None
            and marker.kind == "cn_item"
            and len(stripped) <= 30
            and (not rows or state in ("units", "body"))
        ):
            group = stripped
            state = "none"
            table_end = max(table_end, hi)
            continue
        if _ends_table(stripped) or not rows:
            break
        row = rows[-1]
        if state == "category" and _is_category_line(stripped) and not _starts_unit(stripped):
            if row.category is None:
                row.category = _Cell([])
            row.category.pieces.append((lo, hi))
            table_end = max(table_end, hi)
            continue
        if state == "category":
            state = "body"
        state = _stacked_line(text, row, lo + line.index(stripped[0]), hi, state, unit_max)
        table_end = max(table_end, hi)
    if not rows:
        return None
    has_category = any(r.category for r in rows)
    columns = list(header_names)
    if has_category:
        columns.insert(1, CATEGORY_COLUMN)
    builder = _RowBuilder(text, tuple(columns))
    body_col = header_names[1]
    unit_cols = header_names[2:]
    for row in rows:
        assigned: dict[str, _Cell | None] = {header_names[0]: row.number, body_col: row.body}
        if has_category and row.category:
            assigned[CATEGORY_COLUMN] = row.category
        chunks = _unit_chunks(text, row.units)
        if chunks and unit_cols:
            # The last chunk is the last unit column; all earlier ones the first (lead) column.
            if len(unit_cols) == 1 or len(chunks) == 1:
                assigned[unit_cols[0]] = _Cell([p for c in chunks for p in c])
            else:
                assigned[unit_cols[-1]] = _Cell(chunks[-1])
                assigned[unit_cols[0]] = _Cell([p for c in chunks[:-1] for p in c])
        carry = (CATEGORY_COLUMN,) if has_category else ()
        builder.add(assigned, group=row.group, carry=carry)
    return Table(tuple(columns), _disjoint(builder.rows), lines[0][0], table_end, "stacked")


def _stacked_line(
    text: str, row: _StackedRow, lo: int, hi: int, state: str, unit_max: float
) -> str:
    """Put one body line of a stacked row into its text cell or its unit tokens; new state."""
    tokens = _tokens(text, lo, hi)
    words = [text[s:e] for s, e in tokens]
    # Trailing unit tokens ("费比重 23% 区能源局 /"): scan from the right.
    k = len(words)
    while k > 0 and _is_unit_token(words[k - 1], unit_max, state == "units" and k == 1):
        k -= 1
    if k == 0:
        row.units.extend(tokens)
        return "units"
    if k < len(words) and (
        words[-1] in ("/", "／")
        or (
            len(words) - k >= 1
            and k >= 1
            and _starts_unit(words[k])
            and width(" ".join(words[:k])) > unit_max
        )
    ):
        row.body.pieces.append((tokens[0][0], tokens[k - 1][1]))
        row.units.extend(tokens[k:])
        return "units"
    row.body.pieces.append((tokens[0][0], tokens[-1][1]))
    return "body"


def _is_unit_token(word: str, unit_max: float, continuing: bool) -> bool:
    if _DASH.match(word):
        return True
    if _TEXT_PUNCT.search(word) or width(word) > unit_max:
        return False
    return continuing or _starts_unit(word)


def _unit_chunks(text: str, tokens: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Group unit tokens into cells: a new cell opens where a complete name is followed by a
    line that starts a name, or by "/"."""
    chunks: list[list[tuple[int, int]]] = []
    current_text = ""
    previous_end = -1
    for s, e in tokens:
        word = text[s:e]
        same_line = previous_end >= 0 and "\n" not in text[previous_end:s]
        new = (
            not chunks
            or same_line
            or _DASH.match(word) is not None
            or (_ends_complete(current_text) and _starts_unit(word))
        )
        if chunks and not same_line and _DASH.match(current_text):
            new = True
        if new:
            chunks.append([(s, e)])
            current_text = word
        else:
            chunks[-1].append((s, e))
            current_text += word
        previous_end = e
    return chunks


# --------------------------------------------------------------------------------------------
# One cell a line (PDF): best effort


def _parse_per_line(text: str, lines: list[tuple[int, int]]) -> Table | None:
    header: list[_Cell] = []
    i = 0
    while i < len(lines):
        lo, hi = lines[i]
        word = text[lo:hi].strip()
        if not word:
            i += 1
            continue
        if (
            header and _is_header_word(header[-1].value(text) + word) and not _is_header_word(word)
        ) or (header and word in ("属性",) and _is_header_word(header[-1].value(text) + word)):
            header[-1].pieces.append((lo + text[lo:hi].index(word), hi))
        elif _is_header_word(word) and " " not in word:
            header.append(_Cell([(lo + text[lo:hi].index(word), hi)]))
        else:
            break
        i += 1
    columns = tuple(c.value(text) for c in header)
    number_at = _number_index(columns)
    if len(columns) < 3 or number_at is None:
        return None
    closing = _vocabulary().closing_values
    builder = _RowBuilder(text, columns)
    expected = 1
    pending: list[tuple[int, int]] = []  # lines since the last row closed
    current: list[tuple[int, int]] | None = None
    category: _Cell | None = None
    table_end = header[-1].pieces[-1][1]

    def flush(row_lines: list[tuple[int, int]]) -> None:
        assigned: dict[str, _Cell | None] = {columns[number_at]: _Cell([row_lines[0]])}
        rest = row_lines[1:]
        after = len(columns) - number_at - 2
        if not rest:
            return
        # The name is the first line, and the next one when the name wraps (no closing bracket).
        cut = 1
        while (
            cut < len(rest) - 1
            and not text[rest[cut - 1][0] : rest[cut - 1][1]].endswith(("）", ")"))
            and width(text[rest[cut][0] : rest[cut][1]]) > 8
        ):
            cut += 1
        name = rest[:cut]
        groups = _value_groups(text, rest[cut:], closing)
        values = groups[-after:] if after > 0 else []
        assigned[columns[number_at + 1]] = _Cell(name)
        for k, group in enumerate(values):
            assigned[columns[len(columns) - len(values) + k]] = _Cell(group)
        if category is not None and number_at > 0:
            assigned[columns[number_at - 1]] = category
        builder.add(assigned, carry=columns[:number_at])

    while i < len(lines):
        lo, hi = lines[i]
        raw = text[lo:hi]
        word = raw.strip()
        i += 1
        if not word:
            continue
        span = (lo + raw.index(word), lo + raw.index(word) + len(word))
        if word.isdigit() and int(word) == expected:
            if current:
                flush(current)
            # A category printed before this row is its cell; otherwise it is carried down.
            category = _Cell(pending) if pending else None
            pending = []
            current = [span]
            expected += 1
        elif _ends_table(word) or width(word) > 40:
            break
        elif current is not None and (
            not current or text[current[-1][0] : current[-1][1]] not in closing
        ):
            current.append(span)
        elif _is_category_line(word):
            pending.append(span)
        else:
            break
        table_end = span[1]
    if current:
        flush(current)
    if not builder.rows:
        return None
    return Table(columns, _disjoint(builder.rows), lines[0][0], table_end, "lines")


def _value_groups(
    text: str, spans: list[tuple[int, int]], closing: frozenset[str]
) -> list[list[tuple[int, int]]]:
    """Value lines of a one-cell-a-line row, grouped into cells: consecutive lines of words
    (not numbers, not a closing value such as 约束性) are one wrapped cell (以国家下 | 达为准)."""
    groups: list[list[tuple[int, int]]] = []
    previous_words = False
    for span in spans:
        value = text[span[0] : span[1]]
        words = not _VALUE_CHARS.match(value) and value not in closing
        if words and previous_words:
            groups[-1].append(span)
        else:
            groups.append([span])
        previous_words = words
    return groups


_UNIT_BRACKET = re.compile(r"[（(][^（）()]{1,10}[）)]$")


def is_header_cell(text: str) -> bool:
    """Is `text` (a cell of a table read from a document's structure) a header word or year?
    A header word may carry its column's unit in brackets (总量（亿元）, 比增（%）)."""
    word = re.sub(r"[\s\u3000]", "", text)
    return _is_header_word(word) or _is_header_word(_UNIT_BRACKET.sub("", word))
