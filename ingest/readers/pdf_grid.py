"""Ruled tables from pdfium's own page objects: the thin rules a page draws and the boxes of its
characters, without parsing the page a second time (pdfplumber's pdfminer costs about a second a
page on these CJK PDFs; this costs a few milliseconds).

A table is a connected set of horizontal and vertical rules. Its grid is every distinct rule
position; two neighbouring grid cells belong to one (merged) cell when no rule separates them at
the middle of their common edge. A merged cell's text goes to its first grid position and is
carried into the others (`TableBlock.carried`); a row that is one cell across the whole table is
a group row. Vertical rules that all end at a height where no horizontal rule is drawn (Word
draws a table split between pages that way) close the row there.
"""

from __future__ import annotations

import ctypes
from collections import Counter
from dataclasses import dataclass

# Rules closer than this (points) are the same rule; rules meet when they come this close.
_SNAP = 2.0
_MIN_CELL = 4.0  # a grid step narrower than this is a double rule, not a column


@dataclass
class Rule:
    pos: float  # y of a horizontal rule (from the top), x of a vertical one
    start: float
    end: float


@dataclass
class Grid:
    """One ruled table: its box, grid lines and merged cells."""

    x0: float
    top: float
    x1: float
    bottom: float
    xs: list[float]
    ys: list[float]
    # (row, col) of every grid position -> id of the merged cell it belongs to
    owner: list[list[int]]
    boxes: dict[int, tuple[float, float, float, float]]  # cell id -> (x0, top, x1, bottom)
    # per row, the grid columns [first, last) between its outermost vertical rules: a table whose
    # rows are ruled at shifted positions leaves unruled slivers at the ends of some rows
    extent: list[tuple[int, int]] | None = None


def page_rules(page, height: float) -> tuple[list[Rule], list[Rule]]:  # type: ignore[no-untyped-def]
    """Thin horizontal and vertical rules (path objects), in top-down coordinates."""
    import pypdfium2.raw as c

    hs: list[Rule] = []
    vs: list[Rule] = []
    left, bottom, right, top = (c.c_float(), c.c_float(), c.c_float(), c.c_float())
    for i in range(c.FPDFPage_CountObjects(page.raw)):
        obj = c.FPDFPage_GetObject(page.raw, i)
        if c.FPDFPageObj_GetType(obj) != c.FPDF_PAGEOBJ_PATH:
            continue
        if not c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        w, h = right.value - left.value, top.value - bottom.value
        if h < 3 and w > 3:
            y = height - (top.value + bottom.value) / 2
            hs.append(Rule(y, left.value, right.value))
        elif w < 3 and h > 3:
            x = (left.value + right.value) / 2
            vs.append(Rule(x, height - top.value, height - bottom.value))
    return _merge(hs), _merge(vs)


def _merge(rules: list[Rule]) -> list[Rule]:
    """Join collinear rules that touch (a border drawn as many short pieces)."""
    out: list[Rule] = []
    for r in sorted(rules, key=lambda r: (round(r.pos / _SNAP), r.start)):
        last = out[-1] if out else None
        if last and abs(last.pos - r.pos) <= _SNAP and r.start <= last.end + _SNAP:
            last.end = max(last.end, r.end)
        else:
            out.append(Rule(r.pos, r.start, r.end))
    return out


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _MIN_CELL:
            out.append(v)
    return out


def find_grids(hs: list[Rule], vs: list[Rule]) -> list[Grid]:
    """The ruled tables of a page, top to bottom."""
    if len(hs) < 1 or len(vs) < 3:
        return []
    # connected components of rules that meet
    n_h = len(hs)
    parent = list(range(n_h + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if (
                h.start - _SNAP <= v.pos <= h.end + _SNAP
                and v.start - _SNAP <= h.pos <= v.end + _SNAP
            ):
                parent[find(i)] = find(n_h + j)
    groups: dict[int, tuple[list[Rule], list[Rule]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(n_h + j), ([], []))[1].append(v)
    # vertical rules of separate groups that share their ends (a row closed on the other page)
    grids = []
    for ghs, gvs in groups.values():
        if len(gvs) < 3:
            continue
        grid = _grid(ghs, gvs)
        if grid is not None:
            grids.append(grid)
    grids.sort(key=lambda g: g.top)
    return grids


def _covered(rules: list[Rule], pos: float, at: float) -> bool:
    """A rule runs at `pos` (within the distance `_cluster` treats as one position) through `at`."""
    return any(
        abs(r.pos - pos) <= _MIN_CELL and r.start - _SNAP <= at <= r.end + _SNAP for r in rules
    )


def _grid(hs: list[Rule], vs: list[Rule]) -> Grid | None:
    xs = _cluster([v.pos for v in vs])
    ends = Counter(round(y) for v in vs for y in (v.start, v.end))
    h_ys = [h.pos for h in hs]
    open_ends = [
        float(y) for y, n in ends.items() if n >= 3 and not any(abs(y - hy) <= _SNAP for hy in h_ys)
    ]
    extra = [Rule(y, xs[0], xs[-1]) for y in open_ends]
    hs = hs + extra
    ys = _cluster([h.pos for h in hs])
    if len(xs) < 3 or len(ys) < 2:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    cell = [[r * n_cols + c for c in range(n_cols)] for r in range(n_rows)]
    parent = {i: i for row in cell for i in row}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(n_rows):
        ym = (ys[r] + ys[r + 1]) / 2
        for c in range(n_cols - 1):
            if not _covered(vs, xs[c + 1], ym):  # no rule between: one cell across
                parent[find(cell[r][c + 1])] = find(cell[r][c])
    for r in range(n_rows - 1):
        for c in range(n_cols):
            xm = (xs[c] + xs[c + 1]) / 2
            if not _covered(hs, ys[r + 1], xm):  # no rule between: one cell down
                parent[find(cell[r + 1][c])] = find(cell[r][c])
    owner = [[find(cell[r][c]) for c in range(n_cols)] for r in range(n_rows)]
    extent = []
    for r in range(n_rows):
        ym = (ys[r] + ys[r + 1]) / 2
        ruled = [c for c in range(n_cols + 1) if _covered(vs, xs[c], ym)]
        extent.append((min(ruled), max(ruled)) if len(ruled) >= 2 else (0, n_cols))
    boxes: dict[int, list[float]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            b = boxes.setdefault(owner[r][c], [xs[c], ys[r], xs[c + 1], ys[r + 1]])
            b[0], b[1] = min(b[0], xs[c]), min(b[1], ys[r])
            b[2], b[3] = max(b[2], xs[c + 1]), max(b[3], ys[r + 1])
    # a "table" that is one cell (a framed box, a rule under a heading) is not a table
    if len(boxes) < 2:
        return None
    return Grid(
        xs[0],
        ys[0],
        xs[-1],
        ys[-1],
        xs,
        ys,
        owner,
        {k: (v[0], v[1], v[2], v[3]) for k, v in boxes.items()},
        extent,
    )


def page_chars(textpage, height: float) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every printed character with its loose box (font ascent to descent) and font size."""
    import pypdfium2.raw as c

    raw = textpage.raw
    n = c.FPDFText_CountChars(raw)
    rect = c.FS_RECTF()
    out = []
    for i in range(n):
        code = c.FPDFText_GetUnicode(raw, i)
        if code in (0, 13, 10, 32, 0xFFFE) or c.FPDFText_IsGenerated(raw, i) == 1:
            continue
        if not c.FPDFText_GetLooseCharBox(raw, i, ctypes.byref(rect)):
            continue
        # the loose box's height, not the font size: the size pdfium reports leaves out the
        # text matrix's scaling, and lines are told apart by printed height
        size = rect.top - rect.bottom
        out.append(
            {
                "text": chr(code),
                "x0": rect.left,
                "x1": rect.right,
                "top": height - rect.top,
                "bottom": height - rect.bottom,
                "size": size,
            }
        )
    return out
