"""Well-formedness of the hand-annotated corpus facts (issue 10).

These tests check the gold itself, not plankg: every plan named exists in ../shared, every quote
is printed on the page it names (text layer of the PDF, line breaks removed), every amount in
yuan is the printed number times its unit exactly, every role, comparator and level is in its
vocabulary, every plan of the corpus has a jurisdiction that agrees with the manifest, parent
relations follow the administrative codes, and there are enough facts (>= 250 over >= 10 plans).
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal

import pytest

from tests import corpus_facts as cf

ROLES = {"lead", "responsible", "cooperating"}
COMPARATORS = {"≥", ">", "≈", "=", "≤", "<"}
TARGET_KINDS = {"change", "level"}
MONEY_KINDS = {"investment", "subsidy", "award-cap", "fund", "other"}
LEVELS = {"province", "city", "district", "county", "new-area", "development-zone", "region"}
RELATIONS = {"direct", "ancestor", "implements"}
# manifest level -> levels a plan of that row may have (the manifest knows only three)
MANIFEST_LEVELS = {
    "province": {"province"},
    "city": {"city"},
    "district": {"district", "county", "new-area", "development-zone"},
}
HEADERS = {
    "prose-targets": [
        "file",
        "page",
        "quote",
        "indicator",
        "year",
        "value",
        "comparator",
        "kind",
        "unit",
        "baseline_year",
        "baseline_value",
        "bindingness",
        "is_target",
        "note",
    ],
    "unit-roles": ["file", "page", "task_quote", "unit", "role", "note"],
    "money": [
        "file",
        "page",
        "quote",
        "printed",
        "unit_printed",
        "yuan",
        "kind",
        "per",
        "note",
    ],
    "jurisdictions": [
        "file",
        "jurisdiction",
        "level",
        "gb_code",
        "parent_jurisdiction",
        "parent_code",
        "note",
    ],
    "parents": ["child_file", "parent_file", "relation", "note"],
}
# the page number printed at the head of a page's text layer (－ 3 －, — 3 —)
_PRINTED_PAGE_NUMBER = re.compile(r"^[－—-]\s*\d+\s*[－—-]")
QUOTE_COLUMN = {"prose-targets": "quote", "unit-roles": "task_quote", "money": "quote"}
ANNOTATED = tuple(QUOTE_COLUMN)


def _pdfium_available() -> None:
    # A missing PDF reader must fail loudly (the rules: never skip), naming the fix.
    try:
        import pypdfium2  # noqa: F401
    except ImportError as error:  # pragma: no cover - only on a broken setup
        pytest.fail(f"pypdfium2 is needed to read ../shared/corpus (dev extra): {error}")


@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_each_file_has_its_columns(kind):
    with (cf.FACTS_DIR / cf.KINDS[kind]).open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == HEADERS[kind]
    assert cf.load(kind), f"{kind}: no rows"


def test_split_is_fixed_and_covers_every_annotated_plan():
    with (cf.FACTS_DIR / "split.csv").open(encoding="utf-8-sig", newline="") as handle:
        split_rows = list(csv.DictReader(handle))
    assert {row["set"] for row in split_rows} == set(cf.SETS)
    # one set per (plan, kind): a plan may be dev for one kind and held-out for another
    declared = {(row["file"], row["kind"]) for row in split_rows}
    assert len(declared) == len(split_rows), "a (file, kind) listed twice in split.csv"
    assert {kind for _, kind in declared} <= set(ANNOTATED)
    for kind in ANNOTATED:
        for row in cf.load(kind):
            assert (row["file"], kind) in declared, f"{row['file']} has {kind} not in split.csv"
    # both parts of the split have facts, and they partition the rows
    for kind in ANNOTATED:
        dev, held = cf.load(kind, "dev"), cf.load(kind, "held-out")
        assert len(dev) + len(held) == len(cf.load(kind))
        assert dev and held, kind


def test_every_plan_named_exists_in_shared():
    files = {row["file"] for kind in (*ANNOTATED, "jurisdictions") for row in cf.load(kind)}
    files |= {row["child_file"] for row in cf.load("parents")}
    files |= {row["parent_file"] for row in cf.load("parents")}
    # a plan read and found to have no fact of a kind is in split.csv only
    files |= {file for file, _ in cf.split()}
    for file in sorted(files):
        assert cf.plan_path(file).is_file(), file


@pytest.mark.parametrize("kind", ANNOTATED)
def test_quotes_are_printed_on_their_page(kind):
    _pdfium_available()
    column = QUOTE_COLUMN[kind]
    missing = []
    for row in cf.load(kind):
        pages = cf.page_texts(row["file"])
        page = int(row["page"])
        assert 1 <= page <= len(pages), row
        if row[column] not in pages[page - 1]:
            missing.append(f"{row['file']} p{page}: {row[column]}")
    assert not missing, "quotes not in the text layer:\n" + "\n".join(missing)


def test_units_are_printed_next_to_their_task():
    _pdfium_available()
    for row in cf.load("unit-roles"):
        pages = cf.page_texts(row["file"])
        page = int(row["page"])
        # the tag may follow on the next page (a page break inside the item); a unit broken over
        # the break has the next page's printed number (－ 3 －) between its halves
        following = _PRINTED_PAGE_NUMBER.sub("", pages[page]) if page < len(pages) else ""
        near = pages[page - 1] + following
        assert row["unit"] in near, f"{row['file']} p{page}: {row['unit']} not printed"
        assert row["role"] in ROLES, row
        assert 15 <= len(row["task_quote"]) <= 30, row["task_quote"]
    triples = [(r["file"], r["page"], r["task_quote"], r["unit"]) for r in cf.load("unit-roles")]
    assert len(triples) == len(set(triples)), "a unit listed twice for one task"


def test_prose_targets_are_in_their_vocabularies():
    rows = cf.load("prose-targets")
    for row in rows:
        assert 10 <= len(row["quote"]) <= 60, row["quote"]
        assert row["comparator"] in COMPARATORS, row
        assert row["kind"] in TARGET_KINDS, row
        assert row["is_target"] in {"yes", "no"}, row
        assert re.fullmatch(r"20\d\d", row["year"]), row
        assert row["baseline_year"] == "" or re.fullmatch(r"20\d\d", row["baseline_year"]), row
        assert row["bindingness"] in {"", "约束性", "预期性"}, row
        assert row["value"], row
        # a numeric value is printed in the clause as written; the OCR layer of a scanned plan
        # may space it out (18. 3 %) or drop characters the picture prints (8. 亿 for 8.0 亿):
        # the note then says "text layer drops" and what the picture prints
        if re.fullmatch(r"[\d.—-]+", row["value"]):
            compact = "".join(row["quote"].split())
            assert row["value"] in compact or "text layer drops" in row["note"], row
        # a stated baseline is before the target year
        if row["baseline_year"]:
            assert int(row["baseline_year"]) < int(row["year"]) or row["is_target"] == "no", row
    negatives = [row for row in rows if row["is_target"] == "no"]
    assert len(negatives) >= 15, "past achievements must be annotated as non-targets"


def test_money_converts_exactly():
    for row in cf.load("money"):
        assert row["unit_printed"] in cf.YUAN_PER_UNIT, row
        assert row["kind"] in MONEY_KINDS, row
        assert row["printed"] in row["quote"], row
        assert Decimal(row["yuan"]) == cf.yuan(row["printed"], row["unit_printed"]), row
        # the yuan column is written exactly, never in floating-point notation
        assert re.fullmatch(r"\d+(\.\d+)?", row["yuan"]), row
    assert cf.yuan("1.767", "亿元") == Decimal("176700000")
    assert cf.yuan("0.15", "元") == Decimal("0.15")


def _manifest() -> dict[str, dict[str, str]]:
    path = cf.SHARED / "corpus" / "manifest.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["file"]: row for row in csv.DictReader(handle)}


def test_every_plan_has_a_jurisdiction_agreeing_with_the_manifest():
    rows = {row["file"]: row for row in cf.load("jurisdictions")}
    assert len(rows) == len(cf.load("jurisdictions")), "a plan listed twice"
    manifest = _manifest()
    seeds = {path.name for path in (cf.SHARED / "plans").glob("*.txt")}
    parents = {path.name for path in (cf.SHARED / "parents").glob("*.txt")}
    assert set(rows) == set(manifest) | seeds | parents
    for file, row in rows.items():
        assert row["level"] in LEVELS, row
        codes = row["gb_code"].split(";")
        assert all(re.fullmatch(r"[1-8]\d{5}", code) for code in codes), row
        if row["level"] == "region":
            assert len(codes) > 1, row
            continue
        (code,) = codes
        if row["level"] == "province":
            assert code.endswith("0000") and row["parent_code"] == "", row
        else:
            parent = row["parent_code"]
            assert re.fullmatch(r"\d{6}", parent), row
            # the code nests in its parent's: a city in its province, a district in its city
            prefix = 2 if parent.endswith("0000") else 4
            assert code[:prefix] == parent[:prefix], row
        if row["level"] in {"new-area", "development-zone"}:
            assert "no GB/T 2260 code" in row["note"], "say which division's code is used"
        if file in manifest:
            assert row["jurisdiction"] == manifest[file]["jurisdiction"], row
            assert row["level"] in MANIFEST_LEVELS[manifest[file]["level"]], row


def test_parents_follow_the_administrative_hierarchy():
    places = {row["file"]: row for row in cf.load("jurisdictions")}
    pairs = set()
    for row in cf.load("parents"):
        assert row["relation"] in RELATIONS, row
        child, parent = places[row["child_file"]], places[row["parent_file"]]
        pairs.add((row["child_file"], row["parent_file"]))
        if row["relation"] == "implements":
            continue  # a named regional plan, not the hierarchy
        parent_codes = set(parent["gb_code"].split(";"))
        if row["relation"] == "direct":
            assert child["parent_code"] in parent_codes or child["gb_code"] in parent_codes, row
        else:
            # an ancestor further up: the parent's code is a prefix of the child's
            (code,) = parent_codes
            assert child["gb_code"].startswith(code.rstrip("0")[:2]), row
            assert child["parent_code"] not in parent_codes, "ancestor is the direct parent"
    assert len(pairs) == len(cf.load("parents")), "a pair listed twice"


def test_enough_facts_over_enough_plans():
    kinds = (*ANNOTATED, "jurisdictions", "parents")
    total = sum(len(cf.load(kind)) for kind in kinds)
    plans = {row["file"] for kind in ANNOTATED for row in cf.load(kind)}
    assert total >= 250, total
    assert len(plans) >= 10, plans
    targets = [row for row in cf.load("prose-targets") if row["is_target"] == "yes"]
    assert len(targets) >= 60
    assert len(cf.load("unit-roles")) >= 100
    assert len(cf.load("money")) >= 30


def test_load_refuses_unknown_kinds_and_sets():
    with pytest.raises(ValueError, match="unknown kind"):
        cf.load("targets")
    with pytest.raises(ValueError, match="unknown set"):
        cf.load("money", "test")
