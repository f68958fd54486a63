"""The gold annotations of corpus plans are well-formed (tests/annotations/corpus/)."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from tests.corpus_gold import (
    CORPUS_DIR,
    GOLD_DIR,
    INDICATOR_COLUMNS,
    SETS,
    SPLIT_COLUMNS,
    TASK_COLUMNS,
    indicator_rows,
    split,
    split_rows,
    task_rows,
)

YEAR = re.compile(r"(\d{4})?")
PAGES = re.compile(r"(\d+)(?:-(\d+))?")

LOADERS = {"indicator": indicator_rows, "task": task_rows}
COLUMNS = {"indicator": INDICATOR_COLUMNS, "task": TASK_COLUMNS}
FILES = {"indicator": "indicator-rows.csv", "task": "task-rows.csv"}


def test_corpus_is_there():
    assert CORPUS_DIR.is_dir(), f"{CORPUS_DIR}: the shared corpus of PDFs is missing"


@pytest.mark.parametrize("kind", ["indicator", "task"])
def test_files_are_utf8_without_bom_and_have_the_columns(kind):
    raw = (GOLD_DIR / FILES[kind]).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode("utf-8").splitlines()[0].split(",")
    assert tuple(header) == COLUMNS[kind]
    for row in LOADERS[kind]():
        assert None not in row, f"{FILES[kind]}: a line has more cells than the header: {row}"
        assert all(row[c] is not None for c in COLUMNS[kind]), row


def test_split_is_well_formed():
    rows = split_rows()
    assert rows and tuple(rows[0]) == SPLIT_COLUMNS
    files = [r["file"] for r in rows]
    assert len(files) == len(set(files)), "a plan is listed twice in split.csv"
    for r in rows:
        assert r["kind"] in LOADERS, r
        assert r["set"] in SETS, r
        m = PAGES.fullmatch(r["pages"])
        assert m, r
        assert m.group(2) is None or int(m.group(1)) <= int(m.group(2)), r
    sets = split()
    assert set(sets) == set(SETS)
    assert sum(len(v) for v in sets.values()) == len(rows)
    for kind in LOADERS:
        for name in SETS:
            assert any(r["kind"] == kind and r["set"] == name for r in rows), (kind, name)


def test_split_md_names_every_plan():
    text = (GOLD_DIR / "SPLIT.md").read_text(encoding="utf-8")
    for r in split_rows():
        assert r["file"] in text, f"SPLIT.md does not mention {r['file']}"


def test_every_file_named_exists_in_the_corpus():
    named = {r["file"] for r in split_rows()}
    named |= {r["file"] for r in indicator_rows()} | {r["file"] for r in task_rows()}
    missing = sorted(f for f in named if not (CORPUS_DIR / f).is_file())
    assert not missing, f"not in {CORPUS_DIR}: {missing}"


@pytest.mark.parametrize("kind", ["indicator", "task"])
def test_every_split_plan_has_rows_and_no_others_do(kind):
    listed = {r["file"] for r in split_rows() if r["kind"] == kind}
    annotated = {r["file"] for r in LOADERS[kind]()}
    assert listed - annotated == set(), f"{kind} plans without rows: {sorted(listed - annotated)}"
    assert annotated - listed == set(), f"{kind} rows of plans not in split.csv"


@pytest.mark.parametrize("kind", ["indicator", "task"])
def test_rows_are_numbered_one_to_n_per_table(kind):
    ordinals = defaultdict(list)
    for r in LOADERS[kind]():
        assert r["table"], r
        assert r["row"].isdigit(), r
        ordinals[(r["file"], r["table"])].append(int(r["row"]))
    assert ordinals
    for key, rows in ordinals.items():
        assert rows == list(range(1, len(rows) + 1)), (key, rows)


@pytest.mark.parametrize("kind", ["indicator", "task"])
def test_pages_lie_in_the_split_range(kind):
    ranges = {}
    for r in split_rows():
        m = PAGES.fullmatch(r["pages"])
        ranges[r["file"]] = (int(m.group(1)), int(m.group(2) or m.group(1)))
    for r in LOADERS[kind]():
        first, last = ranges[r["file"]]
        assert first <= int(r["page"]) <= last, r
    # and pages never go backwards within a table
    last_page = {}
    for r in LOADERS[kind]():
        key = (r["file"], r["table"])
        assert int(r["page"]) >= last_page.get(key, 0), r
        last_page[key] = int(r["page"])


def test_indicator_years_are_four_digits_or_empty():
    for r in indicator_rows():
        for col in ("baseline_year", "target_year", "target2_year"):
            assert YEAR.fullmatch(r[col]), (col, r)
        assert r["target_year"], r
        # a value without its year column would be unreadable
        assert r["baseline_year"] or not r["baseline_value"], r


def test_indicator_cells_are_clean():
    for r in indicator_rows():
        assert r["indicator"], r
        assert r["target_value"] or r["target2_value"], r
        assert r["attribute"] in {"", "约束性", "预期性", "指导性"}, r
        for col in INDICATOR_COLUMNS:
            if col != "note":
                assert r[col] == r[col].strip(), (col, r)
                assert "\n" not in r[col], (col, r)
        # a unit in brackets is moved out of the name
        assert not re.search(r"（\s*%\s*）$", r["indicator"]), r


def test_task_rows_name_who_is_responsible():
    for r in task_rows():
        assert r["task"], r
        assert r["lead"] or r["responsible"], r
        assert not r["responsible"].startswith(("（", "责任单位")), r
        assert not r["responsible"].endswith("）"), r
