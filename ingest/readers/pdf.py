"""Read a PDF's text layer: reading order, paragraphs from line geometry, ruled tables.

Two libraries, each where it is fast: pypdfium2 gives every page's text and lines (pdfium's own
line breaking) with the boxes of their first and last characters, and tells which pages carry
ruling lines; pdfplumber reads tables only on those pages, from their ruling lines and cell
boxes. Text lines that fall inside a table's box are left to the table.

* Running headers, footers and page numbers are dropped by position: lines in the top or bottom
  margin band that look like a page number, or whose text (digits aside) recurs in that band
  on many pages.
* Lines are rejoined into paragraphs by geometry: a line that ends before the right margin ends
  its paragraph; an indented line, a line opening with a heading marker, a change of font size
  or a wide vertical gap starts one. A centred heading broken over two centred lines is joined.
* Tables: merged cells carried down and across, wrapped cell lines joined, a table continued at
  the top of the next page joined to its first part (a repeated header skipped), a caption
  printed below a table moved before it, so that it opens the table in the outline.

Errors (one line each, nothing returned): not a PDF (HTML saved as .pdf), encrypted, damaged or
truncated, no text layer (a scan: `NoTextLayerError`, where an OCR reader can take over), too
many pages.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path

from plankg.ingest.clean import is_page_number
from plankg.ingest.headings import match_marker
from plankg.ingest.readers.base import (
    Layout,
    Limits,
    NoTextLayerError,
    Paragraph,
    PlanFormatError,
    PlanTooLargeError,
    TableBlock,
    check_file,
    describe_start,
    sniff,
)

# Margin bands (share of the page height) where running headers and footers are looked for.
_PAGE_NUMBER_BAND = 0.15
_RUNNING_BAND = 0.10
# A running header/footer recurs on at least this share of the pages (and on 3 pages or more).
_RUNNING_SHARE = 0.3
# A page with fewer printed characters than this counts as having no text.
_MIN_PAGE_CHARS = 20
# A document is a scan when fewer than this share of its pages have text.
_MIN_TEXT_PAGES = 0.1
# A page is searched for tables when its path objects give this many distinct ruling positions.
_MIN_RULES = 3
# Which table finder reads the ruled pages: "pdfium" (the page objects pdfium already parsed,
# `pdf_grid`) or "pdfplumber" (pdfminer parses the page again: slower, kept for comparison).
_ENGINE = os.environ.get("PLANKG_PDF_TABLES", "pdfium")
_BARE_NUMBER = re.compile(r"^[-—–－―\s]*[\dⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩivxlcIVXLC]{1,4}[-—–－―\s]*$")
_DIGITS = re.compile(r"\d+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CLOSING = "。！？；：!?;:」』”）)"
# a space goes between two Latin letters printed apart (words), never between digits: digits set
# apart by justification (1 00%) or split over two lines are one number
_LATIN_END = re.compile(r"[A-Za-z]$")
_LATIN_START = re.compile(r"^[A-Za-z]")


@dataclass
class _Line:
    text: str
    page: int  # 1-based
    x0: float
    x1: float
    top: float  # distance from the top of the page
    bottom: float
    size: float  # height of the first character's box
    page_width: float
    page_height: float


@dataclass
class _Table:
    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    block: TableBlock
    xs: tuple[float, ...] = ()  # x of the column rules of the last row (pdfium grids)
    page_height: float = 0.0


def read(path: Path, limits: Limits) -> Layout:
    """Read one PDF into its layout (see the module docstring)."""
    import pypdfium2 as pdfium

    check_file(path, limits)
    head = sniff(path)
    if not head.lstrip()[:1024].startswith(b"%PDF") and b"%PDF-" not in head[:1024]:
        raise PlanFormatError(f"is not a PDF: it starts like {describe_start(head)}", path=path)
    _check_complete(path)
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise _open_error(path, exc) from None
    try:
        n_pages = len(pdf)
        if n_pages > limits.max_pages:
            raise PlanTooLargeError(
                f"has {n_pages:,} pages, over the limit of {limits.max_pages:,}", path=path
            )
        lines: list[_Line] = []
        ruled: list[int] = []
        tables: list[_Table] = []
        text_pages = 0
        chars = 0
        for index in range(n_pages):
            page = pdf[index]
            try:
                page_lines, n_chars = _page_lines(page, index + 1)
                if _has_rules(page):
                    ruled.append(index)
                    if _ENGINE == "pdfium":
                        tables.extend(_grid_tables(page, index + 1))
            finally:
                page.close()
            chars += n_chars
            if chars > limits.max_chars:
                raise PlanTooLargeError(
                    f"holds over {limits.max_chars:,} characters of text", path=path
                )
            text_pages += n_chars >= _MIN_PAGE_CHARS
            lines.extend(page_lines)
    finally:
        pdf.close()
    if n_pages == 0:
        raise PlanFormatError("is a PDF without pages", path=path)
    if text_pages < max(1, _MIN_TEXT_PAGES * n_pages):
        raise NoTextLayerError(
            f"has no text layer ({text_pages} of {n_pages} pages carry text): a scan needs OCR, "
            "which plankg does not do yet",
            path=path,
        )
    if _ENGINE == "pdfplumber" and ruled:
        tables = _read_tables(path, ruled)
    else:
        tables = _single_rows(tables)
    lines = _drop_running(lines, n_pages)
    lines = [ln for ln in lines if not any(_inside(ln, t) for t in tables if t.page == ln.page)]
    blocks = _blocks(lines, tables)
    return Layout(
        path,
        "pdf",
        tuple(blocks),
        n_pages,
        {"pages": n_pages, "ruled_pages": len(ruled), "tables": len(tables)},
    )


# --------------------------------------------------------------------------------------------
# opening


def _check_complete(path: Path) -> None:
    """A download cut short has no end-of-file marker in its last kilobytes."""
    with path.open("rb") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - 4096))
        tail = f.read()
    if b"%%EOF" not in tail:
        raise PlanFormatError("is truncated or damaged (no %%EOF marker at its end)", path=path)


def _open_error(path: Path, exc: Exception) -> PlanFormatError:
    message = str(exc)
    if "password" in message.lower() or getattr(exc, "err_code", None) == 4:
        return PlanFormatError(
            "is encrypted (it asks for a password); save an unprotected copy", path=path
        )
    if getattr(exc, "err_code", None) == 6:
        return PlanFormatError("uses a security handler pdfium does not support", path=path)
    return PlanFormatError(f"is damaged and cannot be opened ({message})", path=path)


# --------------------------------------------------------------------------------------------
# lines from pdfium


def _page_lines(page, number: int) -> tuple[list[_Line], int]:  # type: ignore[no-untyped-def]
    """The text lines of one page, with their boxes, and the count of printed characters.

    pdfium's own line breaks decide which characters share a line; inside a line the characters
    are put in the order they are printed, left to right (some producers write quotation marks
    or superscripts after the rest of the line). Spaces pdfium generated between characters
    are dropped, except between two Latin letters or digits printed apart."""
    import ctypes

    import pypdfium2.raw as c

    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        raw_tp = textpage.raw
        n = c.FPDFText_CountChars(raw_tp)
        text = textpage.get_text_range()
        if len(text) != n:  # characters outside the BMP: read them one by one
            text = "".join(chr(c.FPDFText_GetUnicode(raw_tp, i) or 32) for i in range(n))
        left, right, bottom, top = (
            ctypes.c_double(),
            ctypes.c_double(),
            ctypes.c_double(),
            ctypes.c_double(),
        )
        out: list[_Line] = []
        chars: list[tuple[float, float, float, float, str]] = []

        def flush() -> None:
            for band in _bands(chars):
                emit(band)
            chars.clear()

        def emit(chars: list[tuple[float, float, float, float, str]]) -> None:
            chars.sort(key=lambda ch: ch[0])
            # the line's size: the median height of its Chinese characters' boxes (a single
            # glyph's box says little: 一 is flat, punctuation small)
            han = sorted(ch[3] - ch[2] for ch in chars if "\u4e00" <= ch[4] <= "\u9fff")
            heights = han or sorted(ch[3] - ch[2] for ch in chars)
            size = heights[len(heights) // 2] or 1.0
            parts: list[str] = []
            prev = None
            for ch in chars:
                if ch[4] == " ":
                    if parts and parts[-1] != " ":
                        parts.append(" ")
                    continue
                if (
                    prev is not None
                    and parts
                    and parts[-1] != " "
                    and ch[0] - prev[1] > 0.25 * size
                    and prev[4].isascii()
                    and prev[4].isalpha()
                    and ch[4].isascii()
                    and ch[4].isalpha()
                ):
                    parts.append(" ")
                parts.append(ch[4])
                prev = ch
            line = "".join(parts).strip()
            if line:
                x0 = min(ch[0] for ch in chars)
                x1 = max(ch[1] for ch in chars)
                if size < 1:  # boxes without height (some Type 3 fonts): use the pitch
                    size = (x1 - x0) / max(1, len(line.replace(" ", "")))
                b = min(ch[2] for ch in chars)
                t = max(ch[3] for ch in chars)
                out.append(
                    _Line(
                        line,
                        number,
                        x0,
                        x1,
                        height - t,
                        height - b,
                        size,
                        width,
                        height,
                    )
                )

        for i, ch in enumerate(text):
            if ch in "\r\n":
                flush()
                continue
            if ch.isspace():
                if c.FPDFText_IsGenerated(raw_tp, i) != 1:
                    c.FPDFText_GetCharBox(raw_tp, i, left, right, bottom, top)
                    chars.append((left.value, right.value, bottom.value, top.value, " "))
                continue
            c.FPDFText_GetCharBox(raw_tp, i, left, right, bottom, top)
            chars.append((left.value, right.value, bottom.value, top.value, ch))
        flush()
        printed = sum(1 for ch in text if not ch.isspace())
        return out, printed
    finally:
        textpage.close()


def _bands(
    chars: list[tuple[float, float, float, float, str]],
) -> list[list[tuple[float, float, float, float, str]]]:
    """The characters of one pdfium line split into the lines they are printed on, top first.

    pdfium sometimes gives two printed lines as one (the last line of a framed box and the
    heading under it), and put left to right their characters interleave. Lines are the groups
    of characters whose boxes overlap vertically (tight boxes: two printed lines never overlap;
    punctuation, sub- and superscripts overlap their line's characters)."""
    printed = [ch for ch in chars if ch[4] != " "]
    if len(printed) < 2:
        return [chars] if chars else []
    # the next line starts at least most of a character's width higher (boxes without height,
    # as some fonts give, say nothing of overlap: the width does)
    widths = sorted(ch[1] - ch[0] for ch in printed)
    pitch = 0.8 * widths[len(widths) // 2]
    bands: list[list[float]] = []  # [bottom, top] of each band, from the bottom up
    for ch in sorted(printed, key=lambda ch: ch[2]):
        if bands and (ch[2] < bands[-1][1] - 0.5 or ch[2] - bands[-1][0] < pitch):
            bands[-1][1] = max(bands[-1][1], ch[3])
        else:
            bands.append([ch[2], ch[3]])
    if len(bands) == 1:
        return [chars]
    out: list[list[tuple[float, float, float, float, str]]] = [[] for _ in bands]
    for ch in chars:
        centre = (ch[2] + ch[3]) / 2
        k = min(range(len(bands)), key=lambda i: abs(centre - sum(bands[i]) / 2))
        out[k].append(ch)
    return [band for band in reversed(out) if band]


def _has_rules(page) -> bool:  # type: ignore[no-untyped-def]
    """Does the page draw enough horizontal and vertical rules to hold a table?"""
    import pypdfium2.raw as c

    rows: set[int] = set()
    cols: set[int] = set()
    for i in range(c.FPDFPage_CountObjects(page.raw)):
        obj = c.FPDFPage_GetObject(page.raw, i)
        if c.FPDFPageObj_GetType(obj) != c.FPDF_PAGEOBJ_PATH:
            continue
        left, bottom, right, top = (c.c_float(), c.c_float(), c.c_float(), c.c_float())
        if not c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        w, h = right.value - left.value, top.value - bottom.value
        if h < 3 and w > 10:
            rows.add(round(bottom.value / 2))
        elif w < 3 and h > 5:
            cols.add(round(left.value / 2))
        # wider rectangles are shading behind text (boxes, highlighted lines), not rules
        if len(rows) >= 2 and len(cols) >= _MIN_RULES:
            return True
    return False


# --------------------------------------------------------------------------------------------
# running headers and footers


def _band(line: _Line, share: float) -> bool:
    return line.bottom <= share * line.page_height or line.top >= (1 - share) * line.page_height


def _drop_running(lines: list[_Line], n_pages: int) -> list[_Line]:
    recurring = Counter(
        key
        for key in {
            (_DIGITS.sub("#", ln.text), ln.page) for ln in lines if _band(ln, _RUNNING_BAND)
        }
    )
    pages_with = Counter(k for k, _ in recurring)
    threshold = max(3, _RUNNING_SHARE * n_pages)
    out = []
    for ln in lines:
        bare = ln.text.replace(" ", "")
        if _band(ln, _PAGE_NUMBER_BAND) and (is_page_number(bare) or _BARE_NUMBER.match(bare)):
            continue
        if _band(ln, _RUNNING_BAND) and pages_with[_DIGITS.sub("#", ln.text)] >= threshold:
            continue
        out.append(ln)
    return out


# --------------------------------------------------------------------------------------------
# paragraphs


def _margins(lines: list[_Line]) -> dict[int, tuple[float, float, float]]:
    """Left and right text margins and the body character size, per page parity."""
    out = {}
    for parity in (0, 1):
        sel = [ln for ln in lines if ln.page % 2 == parity and len(ln.text) >= 8]
        if not sel:
            sel = [ln for ln in lines if len(ln.text) >= 8] or lines
        if not sel:
            continue
        left = Counter(round(ln.x0) for ln in sel).most_common(1)[0][0]
        right = Counter(round(ln.x1) for ln in sel).most_common(1)[0][0]
        size = Counter(round(ln.size) for ln in sel).most_common(1)[0][0]
        out[parity] = (float(left), float(right), float(max(size, 6)))
    return out


def _centred(ln: _Line, left: float, right: float, cw: float) -> bool:
    middle = (ln.x0 + ln.x1) / 2
    return ln.x0 > left + 1.5 * cw and abs(middle - (left + right) / 2) < 2 * cw


def _heading_line(text: str) -> bool:
    m = match_marker(text)
    return m is not None and (
        m.kind in ("part", "chapter", "section", "box", "table", "cn_item")
        or m.kind.startswith("decimal")
    )


def _starts_paragraph(
    prev: _Line, ln: _Line, margins: dict[int, tuple[float, float, float]], prev_para: list[_Line]
) -> bool:
    left, right, cw = margins.get(ln.page % 2, (0.0, ln.page_width, 10.0))
    pleft, pright, pcw = margins.get(prev.page % 2, (left, right, cw))
    if match_marker(ln.text):
        return True
    # sizes compare only between lines of some Chinese text (digits and Latin letters have
    # smaller boxes, and the boxes of one or two glyphs say little: "100%。" and "献。" that end
    # a paragraph are not in a smaller font)
    if (
        len(_HAN.findall(ln.text)) >= 4
        and len(_HAN.findall(prev.text)) >= 4
        and abs(ln.size - prev.size) > 0.2 * max(ln.size, prev.size)
    ):
        return True
    if prev.x1 < pright - 1.2 * pcw:
        # a line broken early before a number or word that did not fit: the line is long, ends
        # without closing punctuation, and the next one starts at the margin or, in a framed box
        # (专栏) whose text is indented, no further right than the line before
        if (
            prev.x1 - pleft > 0.75 * (pright - pleft)
            and not prev.text.endswith(tuple(_CLOSING))
            and ln.x0 <= max(left, prev.x0) + 0.7 * cw
            and not _heading_line(prev.text)
        ):
            return False
        # a centred heading broken over two centred lines
        return not (
            len(prev_para) == 1
            and _heading_line(prev.text)
            and _centred(prev, pleft, pright, pcw)
            and _centred(ln, left, right, cw)
        )
    if ln.x0 > left + 1.2 * cw:
        return True
    return ln.page == prev.page and ln.top - prev.bottom > 2.5 * max(ln.size, 1.0)


def _join(parts: list[str]) -> str:
    out = ""
    for p in parts:
        if out and _LATIN_END.search(out) and _LATIN_START.match(p):
            out += " "
        out += p
    return out


def _blocks(lines: list[_Line], tables: list[_Table]) -> list[Paragraph | TableBlock]:
    """Paragraphs and tables in reading order: by page, then from the top."""
    margins = _margins(lines)
    items: list[tuple[int, float, int, object]] = [(ln.page, ln.top, 1, ln) for ln in lines]
    items += [(t.page, t.top, 0, t) for t in tables]
    items.sort(key=lambda it: (it[0], it[1], it[2]))
    blocks: list[Paragraph | TableBlock] = []
    para: list[_Line] = []

    def flush() -> None:
        if para:
            blocks.append(Paragraph(_join([ln.text for ln in para]), para[0].page))
            para.clear()

    last_table: _Table | None = None
    for _, _, _, item in items:
        if isinstance(item, _Table):
            flush()
            if (
                last_table is not None
                and blocks
                and blocks[-1] is last_table.block
                and _continues(last_table, item)
            ):
                merged = _merge(last_table.block, item.block)
                blocks[-1] = merged
                last_table = replace(item, block=merged)
            else:
                blocks.append(item.block)
                last_table = item
            continue
        ln = item
        assert isinstance(ln, _Line)
        if not para and last_table is not None and blocks and blocks[-1] is last_table.block:
            column = _overflow_column(last_table, ln)
            if column is not None:  # the rest of the last row's cell, printed overleaf
                last_table.block = _extend_last_row(last_table.block, column, ln.text)
                blocks[-1] = last_table.block
                continue
        if para and _starts_paragraph(para[-1], ln, margins, para):
            flush()
        para.append(ln)
    flush()
    return _captions_first(blocks)


def _overflow_column(table: _Table, ln: _Line) -> int | None:
    """The column of `table` whose last cell `ln` continues: the table ran to the foot of its
    page, and `ln`, at the head of the next page, sits inside one column (not the first)."""
    if not table.xs or ln.page != table.page + 1 or table.bottom < 0.85 * ln.page_height:
        return None
    if ln.top > 0.25 * ln.page_height:
        return None
    for c in range(1, len(table.xs) - 1):
        if table.xs[c] - 1 <= ln.x0 and ln.x1 <= table.xs[c + 1] + 1:
            return c
    return None


def _extend_last_row(block: TableBlock, column: int, text: str) -> TableBlock:
    rows = [list(r) for r in block.rows]
    rows[-1][column] = _join([rows[-1][column], text]) if rows[-1][column] else text
    return replace(block, rows=tuple(tuple(r) for r in rows))


def _captions_first(blocks: list[Paragraph | TableBlock]) -> list[Paragraph | TableBlock]:
    """A caption printed below its table (表2.1 …) moves before it."""
    out = list(blocks)
    for i in range(1, len(out) - 1):
        table, after = out[i], out[i + 1]
        if not isinstance(table, TableBlock) or not isinstance(after, Paragraph):
            continue
        before = out[i - 1]
        m = match_marker(after.text)
        has_caption = (
            isinstance(before, Paragraph)
            and (bm := match_marker(before.text))
            and bm.kind in ("table", "box")
        )
        if m and m.kind == "table" and not has_caption and len(after.text) <= 60:
            out[i], out[i + 1] = after, table
    return out


# --------------------------------------------------------------------------------------------
# tables with pdfplumber


def _grid_tables(page, number: int) -> list[_Table]:  # type: ignore[no-untyped-def]
    """The ruled tables of one page from pdfium's page objects (see `pdf_grid`)."""
    from plankg.ingest.readers.pdf_grid import find_grids, page_chars, page_rules

    _, height = page.get_size()
    grids = find_grids(*page_rules(page, height))
    if not grids:
        return []
    textpage = page.get_textpage()
    try:
        chars = page_chars(textpage, height)
    finally:
        textpage.close()
    out = []
    for grid in grids:
        found = _grid_block(grid, chars, number, height)
        if found is not None:
            block, xs, top = found
            out.append(_Table(number, top, grid.bottom, grid.x0, grid.x1, block, xs, height))
    return out


def _single_rows(tables: list[_Table]) -> list[_Table]:
    """Drop a one-row grid at the top of a page unless it carries on the last table of the page
    before (a row whose top rule was drawn there): alone, a framed line is not a table."""
    out: list[_Table] = []
    for t in tables:
        alone = len(t.block.rows) == 1 and t.top < 0.25 * t.page_height
        if alone and not (out and out[-1].page == t.page - 1 and _continues(out[-1], t)):
            continue
        out.append(t)
    return out


def _logical_cells(grid) -> list[list[int]] | None:  # type: ignore[no-untyped-def]
    """The cells of every row, left to right, when the rows of one table are ruled at different
    column positions (a table drawn as blocks of slightly shifted columns: the union of all rule
    positions has more columns than any row prints). None when the grid's columns are the
    table's: some row uses every grid column, or the rows print different numbers of cells
    (a header cell spanning two year columns)."""
    n_cols = len(grid.xs) - 1
    rows = []
    for r, line in enumerate(grid.owner):
        lo, hi = grid.extent[r] if grid.extent else (0, n_cols)
        inner = line[lo:hi]
        rows.append([oid for c, oid in enumerate(inner) if c == 0 or oid != inner[c - 1]])
    counts = {len(cells) for cells in rows if len(cells) > 1}
    if len(counts) != 1 or (k := counts.pop()) >= n_cols:
        return None
    return [cells if len(cells) > 1 else cells * k for cells in rows]


def _split_unruled_rows(grid, found: dict[int, list[dict]]) -> list[list[int]]:  # type: ignore[no-untyped-def]
    """The grid's cells, with rows that have no vertical rules but are printed in the table's
    columns (a header or first row drawn without column rules) cut at the column rules of the
    other rows. A row is cut only where its text leaves a gap of a character's width or more at
    every rule between two filled columns, so that a title printed across the table stays whole.
    New cells get fresh ids in `found`; the grid's own owner table is returned when none is cut."""
    n_cols = len(grid.xs) - 1
    if n_cols < 2:
        return grid.owner
    out = [list(line) for line in grid.owner]
    next_id = max(max(line) for line in grid.owner) + 1
    for r, line in enumerate(grid.owner):
        oid = line[0]
        single_row = r == 0 or grid.owner[r - 1][0] != oid
        single_row = single_row and (r == len(grid.owner) - 1 or grid.owner[r + 1][0] != oid)
        if len(set(line)) != 1 or not single_row or oid not in found:
            continue
        chars = found[oid]
        cols: dict[int, list[dict]] = {}
        for ch in chars:
            x = (ch["x0"] + ch["x1"]) / 2
            c = next((k for k in range(n_cols) if x < grid.xs[k + 1]), n_cols - 1)
            cols.setdefault(c, []).append(ch)
        if len(cols) < 2:
            continue
        size = sorted(ch["x1"] - ch["x0"] for ch in chars)[len(chars) // 2]
        filled = sorted(cols)
        clear = all(
            min(ch["x0"] for ch in cols[b]) - max(ch["x1"] for ch in cols[a]) >= size
            and all(
                ch["x1"] <= grid.xs[k] + 1 or ch["x0"] >= grid.xs[k] - 1
                for k in range(a + 1, b + 1)
                for ch in chars
            )
            for a, b in pairwise(filled)
        )
        if not clear:
            continue
        del found[oid]
        for c in range(n_cols):
            out[r][c] = next_id + c
            if c in cols:
                found[next_id + c] = cols[c]
        next_id += n_cols
    return out if out != grid.owner else grid.owner


def _row_edges(grid, cells: list[int]) -> tuple[float, ...]:  # type: ignore[no-untyped-def]
    """The x positions of the rules that bound the cells of one row."""
    return tuple([grid.boxes[cells[0]][0]] + [grid.boxes[oid][2] for oid in cells])


def _grid_block(
    grid,
    chars: list[dict],
    page: int,  # type: ignore[no-untyped-def]
    height: float,
) -> tuple[TableBlock, tuple[float, ...], float] | None:
    """The rows of one grid, the x positions of its last row's column rules and the top of its
    first row (below a caption printed in the grid)."""
    import bisect

    n_rows, n_cols = len(grid.ys) - 1, len(grid.xs) - 1
    # one row: a table only at the foot of a page (its header, going on overleaf) or at the top
    # (the last row of a table from the page before; `_single_rows` keeps it only then)
    if n_cols < 2 or (n_rows < 2 and 0.25 * height < grid.top and grid.bottom < 0.75 * height):
        return None
    found: dict[int, list[dict]] = {}
    for ch in chars:
        x = (ch["x0"] + ch["x1"]) / 2
        y = (ch["top"] + ch["bottom"]) / 2
        if not (grid.x0 <= x <= grid.x1 and grid.top <= y <= grid.bottom):
            continue
        c = min(max(bisect.bisect_right(grid.xs, x) - 1, 0), n_cols - 1)
        r = min(max(bisect.bisect_right(grid.ys, y) - 1, 0), n_rows - 1)
        found.setdefault(grid.owner[r][c], []).append(ch)
    owner = _split_unruled_rows(grid, found)
    texts = {k: _chars_to_text(v) for k, v in found.items()}
    logical = _logical_cells(grid) if owner is grid.owner else None
    owners = logical or owner
    first: set[int] = set()
    rows: list[tuple[str, ...]] = []
    carried: set[tuple[int, int]] = set()
    groups: set[int] = set()
    for r, line in enumerate(owners):
        for c, oid in enumerate(line):
            if oid in first:
                carried.add((r, c))
            first.add(oid)
        rows.append(tuple(texts.get(oid, "") for oid in line))
        if len(line) > 2 and len(set(line)) == 1:
            groups.add(r)
    if not any(any(row) for row in rows):
        return None
    top = grid.top
    if len(rows) > 2 and 0 in groups and _is_caption(rows[0][0]):
        # a box or table drawn with its caption in the first row (专栏1 … over the columns): the
        # caption is left to the text lines, where it opens the table in the outline
        rows = rows[1:]
        groups = {r - 1 for r in groups if r}
        carried = {(r - 1, c) for r, c in carried if r}
        top = grid.ys[1]
    header = header_rows(rows, carried, groups)
    block = TableBlock(
        tuple(rows), header, tuple([page] * len(rows)), frozenset(groups), frozenset(carried)
    )
    return block, (_row_edges(grid, owners[-1]) if logical else tuple(grid.xs)), top


def _is_caption(text: str) -> bool:
    m = match_marker(text)
    return m is not None and m.kind in ("box", "table")


def _read_tables(path: Path, pages: list[int]) -> list[_Table]:
    import pdfplumber

    out: list[_Table] = []
    with pdfplumber.open(str(path)) as pdf:
        for index in pages:
            page = pdf.pages[index]
            try:
                found = page.find_tables(_settings(page))
                chars = page.chars if found else []
                for k, table in enumerate(found):
                    x0, top, x1, bottom = table.bbox
                    last = k == len(found) - 1 or found[k + 1].bbox[1] < top
                    near_foot = bottom > 0.75 * page.height
                    tail = _open_row(table, chars, page.height) if last and near_foot else None
                    block = _table_block(table, index + 1, chars, tail)
                    if block is None:
                        continue
                    if tail is not None:
                        bottom = tail[1]
                    out.append(_Table(index + 1, top, bottom, x0, x1, block))
            finally:
                page.close()
    return out


def _cells_text(
    boxes: list[list[tuple[float, float, float, float] | None]], chars: list[dict]
) -> list[list[str]]:
    """The text of every cell from the characters whose centre lies in its box.

    A cell's characters are put into lines by their vertical position; a sub- or superscript
    (PM2.5, m3, smaller than the line's characters) stays in the line it touches, in its place,
    instead of becoming a line of its own. Lines are joined without a break; a space is kept
    only between two Latin letters or digits that are printed apart."""
    flat = [(r, c, b) for r, row in enumerate(boxes) for c, b in enumerate(row) if b is not None]
    found: dict[tuple[int, int], list[dict]] = {}
    for ch in chars:
        if not ch.get("upright", True) or not ch["text"].strip():
            continue
        x = (ch["x0"] + ch["x1"]) / 2
        y = (ch["top"] + ch["bottom"]) / 2
        for r, c, (x0, top, x1, bottom) in flat:
            if x0 <= x <= x1 and top <= y <= bottom:
                found.setdefault((r, c), []).append(ch)
                break
    texts = [["" for _ in row] for row in boxes]
    for (r, c), cs in found.items():
        texts[r][c] = _chars_to_text(cs)
    return texts


def _chars_to_text(chars: list[dict]) -> str:
    size = sorted(ch["size"] for ch in chars)[len(chars) // 2]
    normal = [ch for ch in chars if ch["size"] >= 0.8 * size]
    small = [ch for ch in chars if ch["size"] < 0.8 * size]
    lines: list[list[dict]] = []
    for ch in sorted(normal, key=lambda ch: (ch["top"], ch["x0"])):
        if lines and abs(ch["top"] - lines[-1][0]["top"]) <= 0.5 * size:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    for ch in small:  # into the line it overlaps most, else a line of its own
        best = max(
            lines,
            default=None,
            key=lambda ln: min(ch["bottom"], ln[0]["bottom"]) - max(ch["top"], ln[0]["top"]),
        )
        if (
            best is not None
            and min(ch["bottom"], best[0]["bottom"]) > max(ch["top"], best[0]["top"]) - 0.3 * size
        ):
            best.append(ch)
        else:
            lines.append([ch])
    lines.sort(key=lambda ln: min(ch["top"] for ch in ln))
    parts = []
    for ln in lines:
        ln.sort(key=lambda ch: ch["x0"])
        ln[:] = _without_footnote_marks(ln)
        out = ""
        for i, ch in enumerate(ln):
            if (
                i
                and ch["x0"] - ln[i - 1]["x1"] > 0.25 * size
                and _LATIN_END.search(out)
                and _LATIN_START.match(ch["text"])
            ):
                out += " "
            out += ch["text"]
        parts.append(out)
    return _join(parts)


def _without_footnote_marks(line: list[dict]) -> list[dict]:
    """A line's characters without footnote marks: digits set smaller and raised after a Chinese
    character or a digit (安全利用², 9.91³). After a Latin letter a raised digit is an exponent
    of a unit (m³, km²) and stays."""
    out: list[dict] = []
    base: dict | None = None  # the last character printed at the line's size
    for ch in line:
        raised = (
            base is not None
            and ch["text"].isdigit()
            and ch["bottom"] - ch["top"] < 0.9 * (base["bottom"] - base["top"])
            and ch["bottom"] < base["bottom"] - 0.2 * (base["bottom"] - base["top"])
        )
        if raised and (_HAN.match(base["text"]) or base["text"].isdigit()):
            continue
        out.append(ch)
        if not raised:
            base = ch
    return out


def _settings(page) -> dict:  # type: ignore[no-untyped-def]
    """Table finder settings: a row whose top or bottom rule is on the other page (Word splits a
    table between pages that way) still has vertical rules ending at one height; a rule is
    added there so that the row is closed."""
    edges = page.edges
    vertical = [e for e in edges if e["orientation"] == "v" and e["height"] >= 5]
    horizontal = {round(e["top"]) for e in edges if e["orientation"] == "h" and e["width"] >= 5}
    ends = Counter(round(y) for e in vertical for y in (e["top"], e["bottom"]))
    missing = [
        y for y, n in ends.items() if n >= 3 and not any(abs(y - h) <= 2 for h in horizontal)
    ]
    return {"explicit_horizontal_lines": sorted(missing)} if missing else {}


def _column_edges(table) -> list[float]:  # type: ignore[no-untyped-def]
    """The x positions of the table's column rules, left to right."""
    xs = sorted(
        {round(b[0], 0) for r in table.rows for b in r.cells if b is not None}
        | {round(table.bbox[2], 0)}
    )
    return xs


def _open_row(table, chars: list[dict], height: float):  # type: ignore[no-untyped-def]
    """A last row printed below the table's last rule, when the row's bottom rule falls on the
    next page (Word splits a table there): the box from that rule to the text's lowest line."""
    x0, _, x1, bottom = table.bbox
    limit = (1 - _PAGE_NUMBER_BAND) * height
    below = [
        ch
        for ch in chars
        if ch["top"] >= bottom - 1
        and ch["bottom"] <= limit
        and x0 <= (ch["x0"] + ch["x1"]) / 2 <= x1
        and ch["text"].strip()
    ]
    if not below:
        return None
    # only text right under the rule (within three lines) belongs to the open row
    below.sort(key=lambda ch: ch["top"])
    size = below[0]["size"] or 10
    if below[0]["top"] - bottom > 3 * size:
        return None
    end = below[0]["bottom"]
    for ch in below:
        if ch["top"] - end > 1.5 * size:
            break
        end = max(end, ch["bottom"])
    return (bottom, end + 0.5)


def _table_block(
    table,
    page: int,
    chars: list[dict],  # type: ignore[no-untyped-def]
    tail: tuple[float, float] | None = None,
) -> TableBlock | None:
    """Rows of cells from a pdfplumber table, merged cells carried; `tail` is an open last row
    (see `_open_row`), cut into cells at the table's column rules."""
    rows_ = table.rows
    n_cols = max(len(r.cells) for r in rows_)
    at_bottom = table.bbox[3] > 0.75 * table.page.height  # a header that goes on overleaf
    if n_cols < 2 or (len(rows_) < 2 and tail is None and not at_bottom):
        return None
    boxes = [list(r.cells) + [None] * (n_cols - len(r.cells)) for r in rows_]
    if tail is not None:
        edges = _column_edges(table)
        if len(edges) == n_cols + 1:
            boxes.append([(edges[c], tail[0], edges[c + 1], tail[1]) for c in range(n_cols)])
    texts = _cells_text(boxes, chars)
    row_y = [((r.bbox[1] + r.bbox[3]) / 2) for r in table.rows]
    if len(boxes) > len(row_y):
        row_y.append((tail[0] + tail[1]) / 2 if tail else 0.0)
    col_x = []
    for c in range(n_cols):
        xs = [b[0] for r in boxes for b in [r[c]] if b is not None]
        xe = [b[2] for r in boxes for b in [r[c]] if b is not None]
        col_x.append(((min(xs) + min(xe)) / 2) if xs else None)
    carried: set[tuple[int, int]] = set()
    group_rows: set[int] = set()
    for r in range(len(boxes)):
        for c in range(n_cols):
            if boxes[r][c] is not None or col_x[c] is None:
                continue
            x, y = col_x[c], row_y[r]
            for rr in range(r, -1, -1):
                hit = next(
                    (
                        cc
                        for cc in range(n_cols)
                        if boxes[rr][cc] is not None
                        and boxes[rr][cc][0] <= x <= boxes[rr][cc][2]
                        and boxes[rr][cc][1] <= y <= boxes[rr][cc][3]
                    ),
                    None,
                )
                if hit is not None:
                    texts[r][c] = texts[rr][hit]
                    carried.add((r, c))
                    break
        filled = [c for c in range(n_cols) if boxes[r][c] is not None]
        if (
            len(filled) == 1
            and n_cols > 2
            and all((r, c) in carried for c in range(n_cols) if c != filled[0])
            and all(texts[r][c] == texts[r][filled[0]] for c in range(n_cols))
        ):
            group_rows.add(r)
    rows = [tuple(t) for t in texts]
    if not any(any(cell for cell in row) for row in rows):
        return None
    header = header_rows(rows, carried, group_rows)
    return TableBlock(
        tuple(rows), header, tuple([page] * len(rows)), frozenset(group_rows), frozenset(carried)
    )


_YEARISH = re.compile(r"^(?:\d{4}\s*年.*|.{0,6}[（(]?\d{4}\s*年?[）)]?.{0,4})$")


def header_rows(
    rows: list[tuple[str, ...]], carried: set[tuple[int, int]], group_rows: set[int]
) -> int:
    """How many leading rows are header rows: the first, and those under a header cell spanning
    several columns (目标值 over 2022年 and 2025年) or made of header words and years only."""
    from plankg.ingest.tables import is_header_cell

    n = 1
    while n < min(3, len(rows) - 1) and n not in group_rows:
        row = rows[n]
        spanned = any(
            (n - 1, c) in carried or (n - 1, c + 1) in carried for c in range(len(row) - 1)
        ) and any((n, c) in carried for c in range(len(row)))
        headerish = all(  # a cell merged down from the header row above is header too
            not cell or (n, c) in carried or is_header_cell(cell) or _YEARISH.match(cell)
            for c, cell in enumerate(row)
        )
        has_year = any(_YEARISH.match(cell) for cell in row if cell)
        if not (headerish and (has_year or spanned)):
            break
        n += 1
    return n


def _inside(ln: _Line, t: _Table) -> bool:
    middle = (ln.top + ln.bottom) / 2
    centre = (ln.x0 + ln.x1) / 2
    return t.top - 1 <= middle <= t.bottom + 1 and t.x0 - 1 <= centre <= t.x1 + 1


def _continues(prev: _Table, nxt: _Table) -> bool:
    """`nxt` at the top of the next page carries on `prev`, which ran to the bottom of its page."""
    if nxt.page != prev.page + 1:
        return False
    a, b = prev.block, nxt.block
    if len(a.rows[0]) != len(b.rows[0]):
        return False
    if prev.xs and nxt.xs:  # the rules of prev's last row against nxt's
        return abs(prev.xs[0] - nxt.xs[0]) < 15 and abs(prev.xs[-1] - nxt.xs[-1]) < 15
    return abs(prev.x0 - nxt.x0) < 15 and abs(prev.x1 - nxt.x1) < 15


def _merge(a: TableBlock, b: TableBlock) -> TableBlock:
    """Join the part of a table on the next page to its first part; drop a repeated header."""
    skip = 0
    if b.rows[: a.header_rows] == a.rows[: a.header_rows]:
        skip = a.header_rows
    elif b.rows and b.rows[0] == a.rows[0]:
        skip = 1
    offset = len(a.rows) - skip
    rows = a.rows + b.rows[skip:]
    pages = a.pages + b.pages[skip:]
    groups = a.group_rows | {r + offset for r in b.group_rows if r >= skip}
    carried = a.carried | {(r + offset, c) for r, c in b.carried if r >= skip}
    return TableBlock(rows, a.header_rows, pages, frozenset(groups), frozenset(carried))
