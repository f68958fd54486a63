"""Indicator tables of real published plans against gold rows read from the pages by hand.

The gold rows (tests/annotations/corpus/, branch annot) hold, for every printed row, the
indicator, unit, baseline year and value, target year(s) and value(s) as printed, and the
attribute. A row is exact when every one of these equals what plankg reads (whitespace aside).
Measured on the PDF path and on the same PDFs' text layer through the text path (.txt), per
plan, DEV and HELD-OUT apart; the floors asserted are ones the PDF path reaches. Also: every one
of the 26 corpus files ingests, with a table of their figures.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from plankg.ingest.clean import is_page_number
from plankg.ingest.extract_targets import IndicatorRow, indicator_rows
from tests.corpus_gold import indicator_rows as gold_rows
from tests.corpus_gold import split_rows, task_rows

FIELDS = (
    "indicator",
    "unit",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "target2_value",
    "attribute",
)
# Floors of exact rows from PDF (share of gold rows), DEV and HELD-OUT, set below what is reached.
# HELD-OUT 0.62 = 70/112 once sichuan-rural and guizhou-forestry joined it (session 18, rules
# unchanged); the first four held-out plans alone reach 59/76.
PDF_FLOOR = {"DEV": 0.99, "HELD-OUT": 0.99}
_WS = re.compile(r"\s+")


def _norm(value: object) -> str:
    return _WS.sub("", "" if value is None else str(value))


def _predicted(doc, pages: tuple[int, int] | None) -> list[IndicatorRow]:  # type: ignore[no-untyped-def]
    rows: list[IndicatorRow] = []
    for seg in doc.outline.walk():
        if seg.kind != "table":
            continue
        for r in indicator_rows(seg):
            if pages and r.row.page is not None and not pages[0] <= r.row.page <= pages[1]:
                continue
            rows.append(r)
    return rows


def _fields(row: IndicatorRow | dict[str, str]) -> dict[str, str]:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return {k: _norm(get(k)) for k in FIELDS}


def score(gold: list[dict[str, str]], predicted: list[IndicatorRow]) -> tuple[int, int, list]:
    """(exact rows, rows whose category also matches, misses): each gold row is matched with
    the first unused predicted row of the same indicator, then compared field by field."""
    used: set[int] = set()
    exact = with_category = 0
    misses = []
    for g in gold:
        want = _fields(g)
        k = next(
            (
                i
                for i, p in enumerate(predicted)
                if i not in used and _norm(p.indicator) == want["indicator"]
            ),
            None,
        )
        if k is None:
            misses.append((g["row"], want["indicator"], "no row"))
            continue
        used.add(k)
        got = _fields(predicted[k])
        if got == want:
            exact += 1
            with_category += _norm(predicted[k].category) == _norm(g["category"])
        else:
            misses.append(
                (
                    g["row"],
                    want["indicator"],
                    {f: (got[f], want[f]) for f in FIELDS if got[f] != want[f]},
                )
            )
    return exact, with_category, misses


def _indicator_split() -> dict[str, list[tuple[str, tuple[int, int]]]]:
    out: dict[str, list[tuple[str, tuple[int, int]]]] = {"DEV": [], "HELD-OUT": []}
    for r in split_rows():
        if r["kind"] == "indicator":
            a, _, b = r["pages"].partition("-")
            out[r["set"]].append((r["file"], (int(a), int(b or a))))
    return out


@pytest.mark.parametrize("subset", ["DEV", "HELD-OUT"])
def test_indicator_rows_exact_from_pdf_and_text(corpus, subset: str) -> None:  # type: ignore[no-untyped-def]
    totals = {"pdf": 0, "txt": 0, "category": 0, "rows": 0}
    print(f"\n{subset}: exact rows (indicator, unit, baseline, targets, attribute)")
    print(f"{'plan':38} {'rows':>4} {'PDF':>9} {'text':>9} {'PDF+category':>13}")
    for name, pages in _indicator_split()[subset]:
        gold = gold_rows(name)
        assert gold, f"no gold rows for {name}"
        pdf_exact, pdf_cat, misses = score(gold, _predicted(corpus.doc(name), pages))
        txt_exact, _, _ = score(gold, _predicted(corpus.text_doc(name), None))
        n = len(gold)
        totals["pdf"] += pdf_exact
        totals["txt"] += txt_exact
        totals["category"] += pdf_cat
        totals["rows"] += n
        print(
            f"{name:38} {n:4} {pdf_exact:4} {pdf_exact / n:4.0%} {txt_exact:4} "
            f"{txt_exact / n:4.0%} {pdf_cat:8} {pdf_cat / n:4.0%}"
        )
        if subset == "DEV":
            for miss in misses[:3]:
                print("    miss:", miss)
    n = totals["rows"]
    share = totals["pdf"] / n
    print(
        f"{'total':38} {n:4} {totals['pdf']:4} {share:4.0%} {totals['txt']:4} "
        f"{totals['txt'] / n:4.0%} {totals['category']:8} {totals['category'] / n:4.0%}"
    )
    assert share >= PDF_FLOOR[subset], f"{subset}: {share:.1%} of rows exact from PDF"
    assert totals["pdf"] > totals["txt"]  # the document's structure beats the flattened text


@pytest.mark.parametrize("subset", ["DEV", "HELD-OUT"])
def test_task_assignments_survive_the_pdf_reader(corpus, subset: str) -> None:  # type: ignore[no-untyped-def]
    """The corpus prints task divisions inline (（责任单位：…）): each must come out whole in one
    paragraph after its task, not cut by a page break, header or footer."""
    files = [r["file"] for r in split_rows() if r["kind"] == "task" and r["set"] == subset]
    assert files
    for name in files:
        for path_name, doc in (("PDF", corpus.doc(name)), ("text", corpus.text_doc(name))):
            gold = task_rows(name)
            found = 0
            paragraphs = [
                _norm(s.text(doc.text))
                for s in doc.outline.walk()
                if s.kind in ("paragraph", "item", "section", "chapter")
            ]
            for g in gold:
                unit = _norm(g["responsible"]) or _norm(g["lead"])
                cue = "责任单位：" if _norm(g["responsible"]) else "牵头单位："
                found += any(cue + unit in p for p in paragraphs)
            print(f"{subset} {name} {path_name}: {found}/{len(gold)} assignments whole")
            if path_name == "PDF":
                assert found >= 0.9 * len(gold), f"{name}: {found}/{len(gold)}"


def test_every_corpus_file_ingests(corpus) -> None:  # type: ignore[no-untyped-def]
    """All 26 PDFs read without error; the figures of each (printed as a table)."""
    print(
        f"\n{'file':48} {'pages':>5} {'chars':>7} {'segments':>8} {'tables':>6} "
        f"{'rows':>5} {'seconds':>7}"
    )
    for path in corpus.files():
        doc = corpus.doc(path.name)
        segments = list(doc.outline.walk())
        tables = [s for s in segments if s.kind == "table"]
        rows = sum(1 for t in tables for r in t.children if r.kind == "row")
        print(
            f"{path.name:48} {doc.pages:5} {len(doc.text):7} {len(segments):8} "
            f"{len(tables):6} {rows:5} {corpus.seconds[path.name]:7.2f}"
        )
        assert doc.pages and len(doc.text) > 500 * min(doc.pages, 4) // 4
        assert all(s.page is not None and 1 <= s.page <= doc.pages for s in segments[1:])
        assert doc.structured
        # no page number or running header left in the text; few paragraph fragments
        lines = [ln for ln in doc.text.split("\n") if ln.strip() and not ln.startswith("\t")]
        assert not [ln for ln in lines if is_page_number(ln.replace(" ", ""))]
        repeated = Counter(ln for ln in lines if len(ln) < 40)
        assert not [ln for ln, n in repeated.items() if n > max(3, doc.pages // 3)]
        paragraphs = [s for s in segments if s.kind == "paragraph"]
        fragments = [s for s in paragraphs if len(s.text(doc.text)) < 6]
        assert len(fragments) <= max(3, 0.1 * len(paragraphs)), [
            s.text(doc.text) for s in fragments
        ]
