"""Accuracy on real plans (issue 10): extraction scored against the hand-annotated corpus facts
(`tests/annotations/corpus-facts/`, written by reading the PDFs before the rules changed), per
kind of fact, DEV and HELD-OUT separately (`pytest -s` prints the figures).

Every test runs twice: on the PDFs read by plankg's own PDF reader (`load_plan(pdf)`, issue 9),
and on their text layer, `pdftotext -layout` (Debian `poppler-utils`) written into tmp_path and
read by the text path, as a user who converted the files would. Matching is by position: a gold quote is located in the cleaned text (whitespace
ignored) and a predicted fact matches it when its span overlaps the quote and its fields agree.

* prose targets: recall over the gold targets (is_target = yes), precision over every predicted
  prose target (not from an indicator table) of the annotated plans; a prediction on a past
  result (is_target = no) or on nothing annotated is a false positive. A match needs year and
  value; `strict` also needs the comparator and change/level.
* unit roles: (task, unit as printed, role); the task of a gold row is the tag-closed task that
  holds its quote (`task_assignments`).
* money: number as printed, unit, yuan (exact), kind and rate unit.
* no value borrowed from another row: every predicted target's printed value is in its own quote
  or, in a table, its row's own cells (merged cells carried).

The floors asserted are the figures reached when the rules were done (see the report in the
CHANGELOG); HELD-OUT failures are printed only with PLANKG_SHOW_HELDOUT=1, so that nobody tunes
on them by accident.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from plankg.ingest.document import Document, load_plan
from plankg.ingest.extract_money import extract_money
from plankg.ingest.extract_targets import extract_targets
from plankg.ingest.extract_units import task_assignments
from plankg.ingest.records import MoneyAmount, Target
from tests import corpus_facts as cf

# floors reached (see the module docstring): (recall, precision) by source, kind and part.
# Session 19: the session-18 held-out plans moved to dev (rules are being written on their
# failures); held-out is the plans annotated in session 19 (SPLIT.md), floors measured at e83ea3f,
# whose rules never saw them.
FLOORS_PDF = {
    ("prose-targets", "dev"): (0.75, 0.95),
    ("prose-targets", "held-out"): (0.58, 0.90),
    ("unit-roles", "dev"): (0.97, 0.95),
    ("unit-roles", "held-out"): (0.90, 0.90),
    ("money", "dev"): (0.85, 0.84),
    ("money", "held-out"): (1.0, 1.0),
}
FLOORS_TEXT = {
    ("prose-targets", "dev"): (0.76, 0.94),
    ("prose-targets", "held-out"): (0.59, 0.91),
    ("unit-roles", "dev"): (0.97, 0.95),
    ("unit-roles", "held-out"): (0.90, 0.90),
    ("money", "dev"): (0.76, 0.98),
    ("money", "held-out"): (1.0, 1.0),
}
SHOW_HELDOUT = os.environ.get("PLANKG_SHOW_HELDOUT") == "1"


# ------------------------------------------------------------------------------------------
# Documents


def _compact(text: str) -> tuple[str, list[int]]:
    chars, offsets = [], []
    for i, ch in enumerate(text):
        if not ch.isspace():
            chars.append(ch)
            offsets.append(i)
    return "".join(chars), offsets


class Plans(dict):
    """The annotated plans by file, read from one `source` ("pdf" or "pdftotext")."""

    source = "pdf"

    def floor(self, kind: str, part: str) -> tuple[float, float]:
        return (FLOORS_PDF if self.source == "pdf" else FLOORS_TEXT)[(kind, part)]


@dataclass
class Plan:
    file: str
    doc: Document
    compact: str
    offsets: list[int]

    def locate(self, quote: str, after: int = 0) -> tuple[int, int] | None:
        """The cleaned-text span of a gold quote, whitespace ignored."""
        q = "".join(quote.split())
        k = self.compact.find(q, after)
        if k < 0:
            k = self.compact.find(q)
        if k < 0 or not q:
            return None
        return self.offsets[k], self.offsets[k + len(q) - 1] + 1


@pytest.fixture(scope="module", params=["pdf", "pdftotext"])
def plans(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Plans:
    if request.param == "pdftotext" and shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install the Debian package poppler-utils")
    folder = tmp_path_factory.mktemp("corpus-text")
    out = Plans()
    out.source = request.param
    for file in sorted({row["file"] for row in cf._read_csv(cf.FACTS_DIR / "split.csv")}):
        pdf = cf.plan_path(file)
        if request.param == "pdf":
            doc = load_plan(pdf)
        else:
            txt = folder / (Path(file).stem + ".txt")
            subprocess.run(
                ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), str(txt)],
                check=True,
                capture_output=True,
            )
            doc = load_plan(txt)
        compact, offsets = _compact(doc.text)
        out[file] = Plan(file, doc, compact, offsets)
    return out


@pytest.fixture(scope="module")
def targets(plans: Plans) -> dict[str, list[Target]]:
    return {f: list(extract_targets(p.doc)) for f, p in plans.items()}


def _files(kind: str, part: str) -> list[str]:
    return sorted(
        {
            r["file"]
            for r in cf._read_csv(cf.FACTS_DIR / "split.csv")
            if r["kind"] == kind and r["set"] == part
        }
    )


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except (InvalidOperation, AttributeError):
        return None


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _report(
    kind: str,
    part: str,
    tp_gold: int,
    n_gold: int,
    tp_pred: int,
    n_pred: int,
    missed: list[str],
    extra: list[str],
    extra_line: str = "",
) -> tuple[float, float]:
    recall = tp_gold / n_gold if n_gold else 1.0
    precision = tp_pred / n_pred if n_pred else 1.0
    print(
        f"\n[corpus-facts] {kind:27} {part:8} recall {tp_gold}/{n_gold} = {recall:.1%}   "
        f"precision {tp_pred}/{n_pred} = {precision:.1%}{extra_line}"
    )
    if part == "dev" or SHOW_HELDOUT:
        for m in missed:
            print(f"    missed: {m}")
        for e in extra:
            print(f"    extra:  {e}")
    return recall, precision


# ------------------------------------------------------------------------------------------
# Prose targets


def _is_prose(t: Target) -> bool:
    return t.source.segment.kind != "row"


def _target_matches(t: Target, g: dict[str, str], strict: bool) -> bool:
    if g["year"] and g["year"].isdigit() and t.target_year != int(g["year"]):
        return False
    gv = _decimal(g["value"])
    if gv is not None:
        if t.value is None or t.value != gv:
            return False
    elif "".join(g["value"].split()) not in "".join(t.value_as_printed.split()) and "".join(
        t.value_as_printed.split()
    ) not in "".join(g["value"].split()):
        return False
    if strict:
        if g["comparator"] and t.comparator != g["comparator"]:
            return False
        change = "change" if t.change else "level"
        if g["kind"] in ("change", "level") and gv is not None and change != g["kind"]:
            return False
    return True


@pytest.mark.parametrize("part", ["dev", "held-out"])
def test_prose_targets(part: str, plans: Plans, targets: dict[str, list[Target]]) -> None:
    files = _files("prose-targets", part)
    gold = [r for r in cf.load("prose-targets", part) if r["file"] in files]
    results = {}
    for strict in (False, True):
        tp_gold = n_gold = tp_pred = n_pred = 0
        missed: list[str] = []
        extra: list[str] = []
        for file in files:
            plan = plans[file]
            rows = [(g, plan.locate(g["quote"])) for g in gold if g["file"] == file]
            predicted = [t for t in targets[file] if _is_prose(t)]
            used: set[int] = set()
            for g, span in rows:
                if g["is_target"] != "yes":
                    continue
                n_gold += 1
                hit = (
                    None
                    if span is None
                    else next(
                        (
                            k
                            for k, t in enumerate(predicted)
                            if k not in used
                            and _overlap((t.source.start, t.source.end), span)
                            and _target_matches(t, g, strict)
                        ),
                        None,
                    )
                )
                if hit is None:
                    where = "" if span else " (quote not found in the text layer)"
                    missed.append(
                        f"{file} p{g['page']} {g['quote']} → {g['year']} "
                        f"{g['comparator']}{g['value']} {g['kind']}{where}"
                    )
                else:
                    used.add(hit)
                    tp_gold += 1
            n_pred += len(predicted)
            tp_pred += len(used)
            for k, t in enumerate(predicted):
                if k not in used:
                    past = any(
                        span
                        and g["is_target"] == "no"
                        and _overlap((t.source.start, t.source.end), span)
                        for g, span in rows
                    )
                    extra.append(
                        f"{file} {t.indicator_as_printed} {t.target_year} "
                        f"{t.comparator}{t.value_as_printed} change={t.change}"
                        f"{' (a past result)' if past else ''} | {t.source.quote}"
                    )
        label = "strict" if strict else "year+value"
        results[strict] = _report(
            f"{plans.source}: prose {label}",
            part,
            tp_gold,
            n_gold,
            tp_pred,
            n_pred,
            missed if strict else [],
            extra if strict else [],
        )
    floor_recall, floor_precision = plans.floor("prose-targets", part)
    recall, precision = results[True]
    assert recall >= floor_recall and precision >= floor_precision, (recall, precision)


def test_no_value_borrowed_from_another_row(plans: Plans, targets: dict[str, list[Target]]) -> None:
    """Every target's printed value stands in its own quote (its row or clause) or, for a table
    row, in its own cells (a merged cell printed over several rows is carried into each)."""
    borrowed = []
    total = 0
    dev = (
        set(_files("prose-targets", "dev"))
        | set(_files("unit-roles", "dev"))
        | set(_files("money", "dev"))
    )
    for file, ts in targets.items():
        rows = {s.start: s for s in plans[file].doc.outline.walk() if s.kind == "row" and s.cells}
        for t in ts:
            if not t.value_as_printed:
                continue
            total += 1
            # a merged cell printed over several rows is each row's own (carried into it)
            row = rows.get(t.source.segment.start) if t.source.segment.kind == "row" else None
            own = t.source.quote + ("".join(row.cells.values()) if row and row.cells else "")
            if _norm(t.value_as_printed) not in _norm(own):
                borrowed.append(
                    f"{file} {t.indicator_as_printed} {t.value_as_printed} | {t.source.quote[:60]}"
                    if file in dev or SHOW_HELDOUT
                    else f"{file} (held-out)"
                )
    print(
        f"\n[corpus-facts] {plans.source}: values borrowed from another row: {len(borrowed)} of {total}"
    )
    assert total > 0 and not borrowed, borrowed[:10]


_WIDTH = str.maketrans("０１２３４５６７８９．％＜＞＝", "0123456789.%<>=")


def _norm(text: str) -> str:
    return "".join(text.split()).translate(_WIDTH)


# ------------------------------------------------------------------------------------------
# Unit roles


@pytest.mark.parametrize("part", ["dev", "held-out"])
def test_unit_roles(part: str, plans: Plans) -> None:
    files = _files("unit-roles", part)
    gold = [r for r in cf.load("unit-roles", part) if r["file"] in files]
    tp_gold = n_gold = tp_pred = n_pred = 0
    missed: list[str] = []
    extra: list[str] = []
    for file in files:
        plan = plans[file]
        tasks = task_assignments(plan.doc)
        predicted = {
            (k, "".join(u.name_as_printed.split()), u.role)
            for k, task in enumerate(tasks)
            for u in task.units
        }
        matched: set[tuple[int, str, str]] = set()
        for g in (g for g in gold if g["file"] == file):
            n_gold += 1
            span = plan.locate(g["task_quote"])
            task = None
            if span is not None:
                task = next((k for k, t in enumerate(tasks) if t.start <= span[0] < t.end), None)
                if task is None:  # a heading on its own line before the task's segment
                    task = next(
                        (k for k, t in enumerate(tasks) if span[0] <= t.start < span[0] + 200), None
                    )
            key = (task, "".join(g["unit"].split()), g["role"])
            if task is not None and key in predicted:
                tp_gold += 1
                matched.add(key)  # type: ignore[arg-type]
            else:
                got = (
                    sorted((u.role, u.name_as_printed) for u in tasks[task].units)
                    if task is not None
                    else "no task found"
                )
                missed.append(
                    f"{file} {g['task_quote'][:20]} {g['unit']} {g['role']} (extracted: {got})"
                )
        n_pred += len(predicted)
        tp_pred += len(matched)
        for k, name, role in sorted(predicted - matched):
            extra.append(
                f"{file} task {k} {plan.doc.text[tasks[k].start : tasks[k].start + 20]!r}"
                f" {name} {role}"
            )
    recall, precision = _report(
        f"{plans.source}: unit roles", part, tp_gold, n_gold, tp_pred, n_pred, missed, extra
    )
    floor_recall, floor_precision = plans.floor("unit-roles", part)
    assert recall >= floor_recall and precision >= floor_precision, (recall, precision)


# ------------------------------------------------------------------------------------------
# Money


def _money_kind(a: MoneyAmount) -> str:
    """The annotation's kinds: a cap is an award-cap whatever it caps; an award of a fixed
    amount is a subsidy (README of the corpus facts)."""
    if a.cap:
        return "award-cap"
    return {"award": "subsidy"}.get(a.purpose, a.purpose)


@pytest.mark.parametrize("part", ["dev", "held-out"])
def test_money(part: str, plans: Plans) -> None:
    files = _files("money", part)
    gold = [r for r in cf.load("money", part) if r["file"] in files]
    tp_gold = n_gold = tp_pred = n_pred = 0
    kind_agree = 0
    missed: list[str] = []
    extra: list[str] = []
    for file in files:
        plan = plans[file]
        amounts = list(extract_money(plan.doc))
        used: set[int] = set()
        for g in (g for g in gold if g["file"] == file):
            n_gold += 1
            span = plan.locate(g["quote"])
            want = (
                Decimal(g["printed"]),
                g["unit_printed"],
                Decimal(g["yuan"]),
                g.get("per") or None,
            )
            hit = None
            if span is not None:
                for k, a in enumerate(amounts):
                    if k in used or not _overlap((a.source.start, a.source.end), span):
                        continue
                    got = (
                        Decimal(a.value_as_printed.replace(",", "")),
                        a.unit_as_printed,
                        a.amount_yuan,
                        a.per,
                    )
                    if got == want:
                        hit = k
                        break
            if hit is not None and _money_kind(amounts[hit]) == g["kind"]:
                used.add(hit)
                tp_gold += 1
                kind_agree += 1
            else:
                why = "not found" if hit is None else f"kind {_money_kind(amounts[hit])}"
                if hit is not None:
                    used.add(hit)
                missed.append(
                    f"{file} p{g['page']} {g['quote']} → {g['printed']}{g['unit_printed']}"
                    f" {g['kind']} per={g.get('per')} ({why})"
                )
        n_pred += len(amounts)
        tp_pred += kind_agree
        kind_agree = 0
        for k, a in enumerate(amounts):
            if k not in used:
                extra.append(
                    f"{file} {a.value_as_printed}{a.unit_as_printed} {_money_kind(a)} "
                    f"per={a.per} | {a.source.quote}"
                )
    recall, precision = _report(
        f"{plans.source}: money", part, tp_gold, n_gold, tp_pred, n_pred, missed, extra
    )
    floor_recall, floor_precision = plans.floor("money", part)
    assert recall >= floor_recall and precision >= floor_precision, (recall, precision)
