"""Loader for the hand-annotated corpus facts in `tests/annotations/corpus-facts/` (issue 10).

The facts were written by reading the published PDFs in `../shared/corpus` (and the text plans in
`../shared/plans` and `../shared/parents`), before any extraction rule was changed for them. They
are the gold that extraction is measured against: jurisdictions and levels, prose targets, unit
roles, money and parent plans. See `tests/annotations/corpus-facts/README.md`.

`load(kind, set=None)` returns the rows of one kind as dicts (every value a str, as in the CSV);
`set` ("dev" or "held-out") keeps only the rows of plans in that part of the fixed split.
`page_texts(file)` gives the text layer the quotes were checked against.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from functools import cache
from pathlib import Path

FACTS_DIR = Path(__file__).parent / "annotations" / "corpus-facts"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# kind -> CSV file name; the kinds of facts annotated
KINDS = {
    "jurisdictions": "jurisdictions.csv",
    "prose-targets": "prose-targets.csv",
    "unit-roles": "unit-roles.csv",
    "money": "money.csv",
    "parents": "parents.csv",
}
SETS = ("dev", "held-out")

# exact multipliers of the money units printed in the plans
YUAN_PER_UNIT = {
    "元": Decimal(1),
    "万元": Decimal(10_000),
    "亿元": Decimal(100_000_000),
    "万亿元": Decimal(1_000_000_000_000),
}


def _read_csv(path: Path) -> list[dict[str, str]]:
    # utf-8-sig: a BOM is allowed (CSV for humans) but not required
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def split() -> dict[tuple[str, str], str]:
    """Map each annotated (corpus file, kind) to its set ("dev" or "held-out").

    Keyed by kind as well as file: a plan whose unit roles were tuned on (dev) can have money
    that no money rule ever saw (held-out).
    """
    return {(row["file"], row["kind"]): row["set"] for row in _read_csv(FACTS_DIR / "split.csv")}


def load(kind: str, set: str | None = None) -> list[dict[str, str]]:
    """Rows of one kind of fact; with `set`, only rows of plans in that part of the split.

    (`set` shadows the builtin inside this function: it is the name the annotations brief uses.)

    Rows of jurisdictions and parents carry no split: asking them for a set keeps the files (the
    child file for parents) with some kind annotated in that set.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of corpus fact {kind!r}; one of {sorted(KINDS)}")
    if set is not None and set not in SETS:
        raise ValueError(f"unknown set {set!r}; one of {SETS}")
    rows = _read_csv(FACTS_DIR / KINDS[kind])
    if set is None:
        return rows
    parts = split()
    if kind in ("jurisdictions", "parents"):
        key = "child_file" if kind == "parents" else "file"
        files = {file for (file, _), part in parts.items() if part == set}
        return [row for row in rows if row[key] in files]
    return [row for row in rows if parts.get((row["file"], kind)) == set]


def plan_path(file: str) -> Path:
    """Where a plan named in the facts lives under ../shared (corpus PDF, seed plan or parent)."""
    for folder in ("corpus", "plans", "parents"):
        path = SHARED / folder / file
        if path.exists():
            return path
    raise FileNotFoundError(f"{file}: not in {SHARED}/corpus, plans or parents")


def _join_lines(text: str) -> str:
    # The text layer breaks lines inside sentences; quotes are written against the text with the
    # line breaks (and the spaces around them) removed, as the brief defines.
    return "".join(line.strip() for line in text.splitlines())


@cache
def page_texts(file: str) -> tuple[str, ...]:
    """Text layer of each page (index 0 = page 1), line breaks removed.

    PDFs are read with pypdfium2 (imported here: a heavy import only the corpus tests need);
    text plans count as one page.
    """
    path = plan_path(file)
    if path.suffix.lower() != ".pdf":
        return (_join_lines(path.read_text(encoding="utf-8")),)
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            pages.append(_join_lines(textpage.get_text_range()))
            textpage.close()
            page.close()
        return tuple(pages)
    finally:
        document.close()


def yuan(printed: str, unit_printed: str) -> Decimal:
    """The amount in yuan of a printed number and money unit, exactly."""
    return Decimal(printed) * YUAN_PER_UNIT[unit_printed]
