"""Review sheets as Excel workbooks (.xlsx, written and read with openpyxl).

A CSV sheet meets the trap of Excel on a Chinese Windows (it opens UTF-8 without a BOM as GBK
and saves "CSV" as GBK); a workbook carries its own encoding. The written sheet has a frozen
header row, a drop-down list on the decision column (the words of data/review-decisions.csv
that a reviewer is most likely to pick), wrapped quote cells, column widths that fit Chinese
text, and every value stored as a string cell: a quote that begins with ``=`` is text in the
workbook, never a formula, so nothing needs neutralising and the reviewer reads what was printed.

Reading refuses a workbook whose members declare more than `MAX_UNZIPPED` bytes (a zip bomb is
refused by its declared sizes, before anything is inflated); cells are read as values, so a
formula a reviewer typed comes back as the text they typed (``=1+1``), never evaluated.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from plankg.errors import PlankgError

MAX_UNZIPPED = 200 * 1024 * 1024  # the declared size of every member, added up
DROP_DOWN = ("accepted", "rejected", "pending", "接受", "拒绝")
WRAPPED = ("quote", "label", "comment")  # columns whose cells wrap
WIDE = 48  # characters a wrapped column is given (a Chinese character counts two)
SHEET_TITLE = "review"


class SheetFileError(PlankgError):
    """A workbook cannot be read or written."""

    code = "E032"


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_workbook(
    path: Path,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    decision_column: str | None = "decision",
) -> None:
    """Write one sheet: a bold frozen header, string cells, wrapped quotes, a drop-down list of
    decisions on `decision_column` (when it is one of `columns`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    wrapped = [any(w in c for w in WRAPPED) for c in columns]
    widths = [_width(c) + 2 for c in columns]
    for r, values in enumerate(rows, 2):
        for c, value in enumerate(values, 1):
            text = "" if value is None else str(value)
            cell = ws.cell(row=r, column=c)
            cell.value = text
            cell.data_type = "s"  # a string cell: "=…" stays text, never a formula
            cell.alignment = wrap if wrapped[c - 1] else top
            widths[c - 1] = max(widths[c - 1], min(_width(text) + 2, 60))
    for c, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = WIDE if wrapped[c - 1] else width
    ws.freeze_panes = "A2"
    if decision_column in columns and rows:
        col = get_column_letter(list(columns).index(decision_column) + 1)
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(DROP_DOWN) + '"',
            allow_blank=True,
            showDropDown=False,
        )
        dv.error = "accepted / rejected / pending (接受 / 拒绝)"
        dv.errorTitle = "decision"
        dv.showErrorMessage = False  # other words of the vocabulary are accepted on import
        dv.add(f"{col}2:{col}{len(rows) + 1}")
        ws.add_data_validation(dv)
    ws.auto_filter.ref = ws.dimensions
    try:
        wb.save(path)
    except OSError as exc:
        raise SheetFileError(f"cannot write the workbook: {exc.strerror}", path=path) from None


def is_workbook(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04")


def read_workbook(path: Path) -> list[tuple[int, list[str]]]:
    """The first sheet's non-empty rows as (Excel row number, cells as text)."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as z:
            declared = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise SheetFileError(f"not a readable .xlsx workbook ({exc})", path=path) from None
    if declared > MAX_UNZIPPED:
        raise SheetFileError(
            f"the workbook declares {declared:,} bytes unpacked (more than "
            f"{MAX_UNZIPPED:,}): refused",
            path=path,
        )
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SheetFileError(
            f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})", path=path
        ) from None
    try:
        ws = wb.worksheets[0]
        out = []
        for n, row in enumerate(ws.iter_rows(values_only=True), 1):
            cells = ["" if v is None else str(v) for v in row]
            if any(c.strip() for c in cells):
                out.append((n, cells))
        return out
    finally:
        wb.close()
