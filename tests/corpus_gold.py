"""Loader for the hand-made gold annotations of corpus plans (tests/annotations/corpus/).

The rows were written by reading the rendered pages of the PDFs in ../shared/corpus/ (see the
README there); measurements of the PDF reader compare against them. Values are strings exactly
as in the CSV files: nothing is normalised here, so a scorer decides its own comparison.
"""

from __future__ import annotations

import csv
from pathlib import Path

GOLD_DIR = Path(__file__).resolve().parent / "annotations" / "corpus"
CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus"

INDICATOR_COLUMNS = (
    "file",
    "table",
    "page",
    "row",
    "category",
    "number",
    "indicator",
    "unit",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "target2_year",
    "target2_value",
    "attribute",
    "note",
)
TASK_COLUMNS = (
    "file",
    "table",
    "page",
    "row",
    "number",
    "task",
    "lead",
    "responsible",
    "cooperating",
    "deadline",
    "note",
)
SPLIT_COLUMNS = ("file", "kind", "set", "pages")
SETS = ("DEV", "HELD-OUT")


def _read(name: str) -> list[dict[str, str]]:
    # utf-8 (no BOM): these files are for programs, not for spreadsheets.
    with (GOLD_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _select(rows: list[dict[str, str]], file: str | None) -> list[dict[str, str]]:
    return rows if file is None else [r for r in rows if r["file"] == file]


def indicator_rows(file: str | None = None) -> list[dict[str, str]]:
    """Gold indicator-table rows, in file order; only those of `file` (a PDF name) if given."""
    return _select(_read("indicator-rows.csv"), file)


def task_rows(file: str | None = None) -> list[dict[str, str]]:
    """Gold task-assignment rows, in file order; only those of `file` if given."""
    return _select(_read("task-rows.csv"), file)


def split_rows() -> list[dict[str, str]]:
    """The rows of split.csv: file, kind (indicator|task), set (DEV|HELD-OUT), pages."""
    return _read("split.csv")


def split() -> dict[str, list[str]]:
    """Set name (DEV, HELD-OUT) -> the PDF file names in it, in split.csv order."""
    out: dict[str, list[str]] = {name: [] for name in SETS}
    for row in split_rows():
        out[row["set"]].append(row["file"])
    return out
