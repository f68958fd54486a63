"""The annotation round trip: a plan's facts out as spans for an annotation tool, corrected
annotations back in as an evaluation set.

`export_spans` writes JSONL in the shape Prodigy and doccano read: one line per plan,
`{"text": the cleaned text, "spans": [{"start", "end", "label", "id"}], "meta": {...}}`, offsets
into the text (characters, end exclusive), labels in upper case (MEASURE, TARGET, LEAD,
RESPONSIBLE, COOPERATING, PLACE, MONEY). doccano's `"label": [[start, end, label]]` is read back
too.

`evaluate_spans` reads such a file after a person corrected it (removed wrong spans, added
missed ones, changed labels), runs the current extraction on the same plans and reports, per
label, how many spans the annotations hold (gold), how many plankg finds (predicted), how many
agree exactly (same start, end and label), precision and recall.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from plankg import __version__, iri
from plankg.errors import PlankgError
from plankg.facts import LABELS, Fact, plan_facts
from plankg.ingest.document import Document, load_plan


class SpansError(PlankgError):
    """An annotation file cannot be read or does not fit its plan."""

    code = "E081"


def chunks(doc: Document, facts: Sequence[Fact], max_chars: int) -> list[tuple[int, int]]:
    """[start, end) pieces of the text of about `max_chars` (0: the whole text), cut only at
    line ends that no fact spans, so every fact lies inside one piece."""
    text = doc.text
    if max_chars <= 0 or len(text) <= max_chars:
        return [(0, len(text))]
    covered = [0] * (len(text) + 1)  # facts open at each offset (difference array)
    for f in facts:
        covered[f.start] += 1
        covered[f.end] -= 1
    open_at, running = [], 0
    for c in covered:
        running += c
        open_at.append(running)
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch == "\n" and i + 1 - start >= max_chars and open_at[i] == 0:
            out.append((start, i + 1))
            start = i + 1
    if start < len(text):
        out.append((start, len(text)))
    return out


def span_records(
    doc: Document, facts: Sequence[Fact] | None = None, *, max_chars: int = 0
) -> list[dict[str, Any]]:
    """The JSONL records of one plan: its text (whole, or in pieces of about `max_chars` that
    no fact crosses), its facts as spans (offsets into the record's text), and where it came
    from (`meta.offset`: where the record's text starts in the plan's cleaned text)."""
    facts = plan_facts(doc) if facts is None else facts
    meta = {
        "plan": iri.plan_slug(doc.path.stem, doc.text),
        "source": doc.path.name,
        "path": str(doc.path.resolve()),
        "district": doc.metadata.district or "",
        "title": doc.metadata.title or "",
        "plankg": __version__,
    }
    out = []
    for a, b in chunks(doc, facts, max_chars):
        spans = [
            {"start": f.start - a, "end": f.end - a, "label": f.label.upper(), "id": f.id}
            for f in facts
            if a <= f.start and f.end <= b
        ]
        out.append({"text": doc.text[a:b], "spans": spans, "meta": {**meta, "offset": a}})
    return out


def span_record(doc: Document, facts: Sequence[Fact] | None = None) -> dict[str, Any]:
    """The JSONL record of one whole plan."""
    return span_records(doc, facts)[0]


def export_spans(docs: Iterable[Document], out: TextIO, *, max_chars: int = 0) -> int:
    """Write the JSONL records of the plans (one per plan, or pieces of about `max_chars`);
    returns the number of spans written."""
    n = 0
    for doc in docs:
        for record in span_records(doc, max_chars=max_chars):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += len(record["spans"])
    return n


@dataclass(frozen=True)
class LabelScore:
    """Agreement of the current extraction with the annotations for one label."""

    label: str
    gold: int  # spans in the annotations
    predicted: int  # spans plankg finds
    correct: int  # spans in both, with the same start, end and label

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p and r else None


@dataclass(frozen=True)
class Evaluation:
    plans: tuple[str, ...]
    scores: tuple[LabelScore, ...]  # one per label, then "ALL" (micro-averaged)

    def score(self, label: str) -> LabelScore:
        return next(s for s in self.scores if s.label == label.upper())

    def rows(self) -> list[dict[str, str]]:
        def fmt(x: float | None) -> str:
            return "" if x is None else f"{x:.4f}"

        return [
            {
                "label": s.label,
                "gold": str(s.gold),
                "predicted": str(s.predicted),
                "correct": str(s.correct),
                "precision": fmt(s.precision),
                "recall": fmt(s.recall),
                "f1": fmt(s.f1),
            }
            for s in self.scores
        ]


def read_annotations(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The records of a JSONL file with their line numbers."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise SpansError("no such file", path=path) from None
    except UnicodeDecodeError:
        raise SpansError("is not UTF-8 text", path=path) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SpansError(f"line {number}: not JSON ({exc.msg})", path=path) from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise SpansError(f'line {number}: a record needs a "text"', path=path)
        yield number, record


def _gold(record: dict[str, Any], number: int, path: Path) -> set[tuple[int, int, str]]:
    """(start, end, LABEL) of a record's spans: Prodigy `spans` or doccano `label` lists."""
    out = set()
    text_len = len(record["text"])
    raw = record.get("spans")
    items: list[tuple[Any, Any, Any]] = []
    if isinstance(raw, list):
        for s in raw:
            if not isinstance(s, dict):
                raise SpansError(f"line {number}: a span is not an object", path=path)
            items.append((s.get("start"), s.get("end"), s.get("label")))
    for triple in record.get("label") or record.get("entities") or []:
        if isinstance(triple, list | tuple) and len(triple) == 3:
            items.append(tuple(triple))  # type: ignore[arg-type]
    for start, end, label in items:
        if not (
            isinstance(start, int)
            and isinstance(end, int)
            and isinstance(label, str)
            and 0 <= start < end <= text_len
        ):
            raise SpansError(
                f"line {number}: span {start!r}–{end!r} {label!r} is not a "
                f"labelled range of the text (0–{text_len})",
                path=path,
            )
        out.add((start, end, label.upper()))
    return out


def _offset(record: dict[str, Any], number: int, path: Path) -> int:
    offset = (record.get("meta") or {}).get("offset", 0)
    if not isinstance(offset, int) or offset < 0:
        raise SpansError(f"line {number}: meta.offset {offset!r} is not an offset", path=path)
    return offset


def _plan_of(
    record: dict[str, Any], number: int, path: Path, plan_dirs: Sequence[str | Path]
) -> Document:
    """The plan a record was exported from, whose cleaned text must still hold the record's
    text at its offset."""
    from plankg.evidence import find_plan

    meta = record.get("meta") or {}
    offset = _offset(record, number, path)
    candidates = [meta.get("path"), meta.get("plan")]
    for candidate in (c for c in candidates if isinstance(c, str) and c):
        try:
            doc = load_plan(find_plan(candidate, plan_dirs))
        except PlankgError:
            continue
        if doc.text[offset : offset + len(record["text"])] != record["text"]:
            raise SpansError(
                f"line {number}: the text differs from the cleaned text of "
                f"{doc.path} (edit spans, not the text)",
                path=path,
            )
        return doc
    raise SpansError(
        f"line {number}: its plan ({meta.get('plan') or 'no meta.plan'}) was not "
        "found: give the folder with --plans",
        path=path,
    )


def evaluate_spans(path: str | Path, plan_dirs: Sequence[str | Path] = ()) -> Evaluation:
    """Precision and recall, per label, of the current extraction against a corrected file."""
    path = Path(path)
    gold: set[tuple[str, int, int, str]] = set()
    predicted: set[tuple[str, int, int, str]] = set()
    plans = []
    facts: dict[str, list[Fact]] = {}
    for number, record in list(read_annotations(path)):  # every line parsed before any work
        doc = _plan_of(record, number, path, plan_dirs)
        slug = iri.plan_slug(doc.path.stem, doc.text)
        if slug not in facts:
            plans.append(slug)
            facts[slug] = plan_facts(doc)
        a = _offset(record, number, path)
        b = a + len(record["text"])
        gold |= {(slug, s + a, e + a, label) for s, e, label in _gold(record, number, path)}
        # only what the annotated text covers counts: a file may hold some pieces of a plan
        predicted |= {
            (slug, f.start, f.end, f.label.upper())
            for f in facts[slug]
            if a <= f.start and f.end <= b
        }
    labels = [x.upper() for x in LABELS]
    labels += sorted({g[3] for g in gold} - set(labels))
    scores = []
    for label in labels:
        g = {x for x in gold if x[3] == label}
        p = {x for x in predicted if x[3] == label}
        scores.append(LabelScore(label, len(g), len(p), len(g & p)))
    scores.append(LabelScore("ALL", len(gold), len(predicted), len(gold & predicted)))
    return Evaluation(tuple(plans), tuple(scores))
