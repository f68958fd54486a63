"""Measures: the actionable items of a plan, typed by sector and instrument.

Where measures are is read from the outline, not from the plans' wording: every heading is checked
against the cues of `data/measure-cues.csv`, and a heading that names background (现状, 形势),
framework (指导思想, 原则, 目标, 指标) or outcome (效益) excludes everything below it. In what remains:

* a numbered item (or a section) without numbered children is one measure; when its text is made
  of several paragraphs that each open with a run-in title (制定碳排放达峰行动方案。…), each such
  paragraph is a measure of its own (unnumbered, labelled by its run-in title);
* an item of a box (专栏) is a measure;
* a row of a task table (a table with a task-content column such as 任务内容) is a measure.
Items that have numbered children are containers: their introductory text is not a measure.
Safeguard chapters (保障措施) are actionable and kept.

Each measure carries the units assigned to it (inline or in table columns, see
`plankg.ingest.extract_units`), the places it names (except the plan's own district), sectors and
instrument types by keyword hits against the SKOS altLabels (most hits first), and keywords from
jieba's TF-IDF extraction with a user dictionary built from the SKOS labels and the gazetteer and
the domain stop words of `data/stopwords.txt`. `Measure.text` is the item's text after its number,
with line breaks removed and the inline assignment (（牵头单位：…）) left out; `source.quote` is the
exact span.
"""

from __future__ import annotations

import csv
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from plankg.ingest.extract_units import assignment_vocab, extract_assignments
from plankg.ingest.records import Measure, PlaceMention, Source, UnitMention
from plankg.ingest.segment import Segment
from plankg.ingest.spans import SpanIndex

if TYPE_CHECKING:
    from plankg.ingest.document import Document
    from plankg.vocab import Vocabulary

_HEADING_KINDS = frozenset({"part", "chapter", "section", "item"})
_SKIPPED_KINDS = frozenset({"notice", "title", "preamble"})
_EXCLUDING = frozenset({"background", "framework", "outcome"})
_RUN_IN = re.compile(r"^(?P<head>[^。；！？，]{2,30}?)[。！：:](?=.)")
_SENTENCE_END = "。！？；"
_DATE_LINE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\S{0,3}$")
_NOT_KEYWORD = re.compile(r"^[\d.．%％a-zA-Z]+$")
_TOP_KEYWORDS = 8
_MAX_SECTORS = 5
_MAX_INSTRUMENTS = 3
_LABEL_WEIGHT = 2  # a keyword in the run-in title counts this many times


# --------------------------------------------------------------------------------------------
# Cues (data/measure-cues.csv)


@dataclass(frozen=True)
class Cue:
    cue: str
    category: str
    match: str  # contains | suffix | prefix | exact

    def matches(self, text: str) -> bool:
        text = re.sub(r"\s+", "", text)
        if self.match == "exact":
            return text == self.cue
        if self.match == "suffix":
            return text.endswith(self.cue)
        if self.match == "prefix":
            return text.startswith(self.cue)
        return self.cue in text


@lru_cache(maxsize=1)
def measure_cues() -> tuple[Cue, ...]:
    """The heading and column cues, read once per process."""
    text = files("plankg.data").joinpath("measure-cues.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(Cue(r["cue"].strip(), r["category"].strip(), r["match"].strip()) for r in rows)


def heading_category(heading: str) -> str | None:
    """The excluding category (background, framework, outcome) a heading names, if any."""
    for cue in measure_cues():
        if cue.category in _EXCLUDING and cue.matches(heading):
            return cue.category
    return None


def task_column(columns: tuple[str, ...]) -> str | None:
    """The task-content column of a table, if it has one."""
    for cue in measure_cues():
        if cue.category == "task_column":
            hit = next((c for c in columns if cue.matches(c)), None)
            if hit is not None:
                return hit
    return None


def _is_closing(line: str) -> bool:
    line = line.strip()
    return bool(_DATE_LINE.search(line)) or any(
        c.category == "closing" and c.matches(line) for c in measure_cues()
    )


# --------------------------------------------------------------------------------------------
# Where the measures are


@dataclass(frozen=True)
class _Span:
    seg: Segment  # the segment the measure is derived from
    number: str
    label: str
    start: int
    end: int
    text: str | None = None  # set for table rows (the task cell)


def _trim(doc_text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and doc_text[end - 1].isspace():
        end -= 1
    while start < end and doc_text[start].isspace():
        start += 1
    return start, end


def _paragraph_groups(doc_text: str, paragraphs: list[Segment]) -> list[list[Segment]]:
    """Join paragraph fragments (lines a PDF conversion broke) into paragraphs: a new paragraph
    starts after one that ends a sentence."""
    groups: list[list[Segment]] = []
    for p in paragraphs:
        if groups and not doc_text[groups[-1][-1].start : groups[-1][-1].end].rstrip().endswith(
            tuple(_SENTENCE_END)
        ):
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def _leaf(doc_text: str, node: Segment) -> Iterator[_Span]:
    """The measures of a heading without numbered children."""
    end = next((c.start for c in node.children if c.kind in ("box", "table")), node.end)
    paragraphs: list[Segment] = []
    for c in node.children:
        if c.start >= end:
            break
        if c.kind != "paragraph":
            continue
        if _is_closing(doc_text[c.start : c.end]):
            end = c.start
            break
        paragraphs.append(c)
    # the node's own body (text on the heading line or before the first paragraph)
    own_end = paragraphs[0].start if paragraphs else end
    own_body = doc_text[node.body_start : own_end].strip()
    groups = _paragraph_groups(doc_text, paragraphs)
    if not own_body and len(groups) >= 2 and all(g[0].heading for g in groups):
        for g in groups:
            s, e = _trim(doc_text, g[0].start, g[-1].end)
            yield _Span(g[0], "", g[0].heading, s, e)
        return
    s, e = _trim(doc_text, node.start, end)
    if e > s:
        yield _Span(node, node.number, node.heading, s, e)


def _box(doc_text: str, box: Segment) -> Iterator[_Span]:
    items = [c for c in box.children if c.kind == "item"]
    for item in items:
        if any(c.kind == "item" for c in item.children):
            yield from _box(doc_text, item)
        else:
            yield from _leaf(doc_text, item)
    if not items:
        for p in box.children:
            if p.kind == "paragraph":
                s, e = _trim(doc_text, p.start, p.end)
                yield _Span(p, "", p.heading, s, e)


def _table(table: Segment) -> Iterator[_Span]:
    column = task_column(table.columns)
    if column is None:
        return
    for row in table.children:
        if row.kind != "row" or not row.cells or not row.cells.get(column, "").strip():
            continue
        content = row.cells[column]
        m = _RUN_IN.match(content)
        label = m.group("head") if m and len(m.group("head")) <= 20 else ""
        yield _Span(row, row.number, label, row.start, row.end, content)


def measure_spans(doc_text: str, root: Segment) -> Iterator[_Span]:
    """Where the measures of an outline are, in document order (see the module docstring)."""
    for child in root.children:
        if child.kind in _SKIPPED_KINDS or child.kind == "paragraph":
            continue
        if child.kind == "table":
            yield from _table(child)
            continue
        if child.kind == "box":
            yield from _box(doc_text, child)
            continue
        if child.kind in _HEADING_KINDS and heading_category(child.heading):
            continue
        if child.kind == "appendix":
            yield from measure_spans(doc_text, child)
            continue
        if child.kind in _HEADING_KINDS:
            if any(c.kind in _HEADING_KINDS for c in child.children):
                yield from measure_spans(doc_text, child)
            else:
                yield from _leaf(doc_text, child)
                for c in child.children:
                    if c.kind == "box":
                        yield from _box(doc_text, c)
                    elif c.kind == "table":
                        yield from _table(c)


# --------------------------------------------------------------------------------------------
# Text, sectors, instruments, places, keywords


def flatten(text: str, heading_line: bool = False) -> str:
    """Join the lines of a printed item: a line break inside a sentence (a PDF wrap, 非化石能 /
    源消费) goes; one after a sentence end stays, and so does the one after the first line when
    `heading_line` says that line is a heading of its own."""
    lines = [line.strip("\t\r ") for line in text.split("\n")]
    lines = [line for line in lines if line]
    out = ""
    for k, line in enumerate(lines):
        if k and (out.endswith(tuple(_SENTENCE_END + "：:”")) or (k == 1 and heading_line)):
            out += "\n"
        out += line
    return out


def _strip_number(text: str, number: str) -> str:
    """The text after its printed number (spaces inside the printed marker allowed)."""
    if not number:
        return text
    i = 0
    for ch in number:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text) or text[i] != ch:
            return text
        i += 1
    return text[i:].lstrip()


def _strip_assignment(text: str) -> str:
    """Text without a trailing inline assignment （牵头单位：…）."""
    labels = assignment_vocab().labels
    stripped = text.rstrip()
    if not stripped.endswith(("）", ")")):
        return text
    depth = 0
    for k in range(len(stripped) - 1, -1, -1):
        ch = stripped[k]
        if ch in "）)":
            depth += 1
        elif ch in "（(":
            depth -= 1
            if depth == 0:
                inner = stripped[k + 1 :].lstrip()
                if any(
                    inner.startswith(label) and inner[len(label) : len(label) + 1] in "：:"
                    for label in labels
                ):
                    return stripped[:k].rstrip()
                return text
    return text


_INDEXES: dict[tuple[str, int], dict[str, list[tuple[str, str]]]] = {}


def _index(vocab: Vocabulary, scheme: str) -> dict[str, list[tuple[str, str]]]:
    """First character → [(label, concept)] longest first, for longest-match counting."""
    key = (scheme, id(vocab))
    if key not in _INDEXES:
        index: dict[str, list[tuple[str, str]]] = {}
        for label, local in vocab.keywords(scheme).items():
            index.setdefault(label[:1], []).append((label, local))
        for entries in index.values():
            entries.sort(key=lambda e: -len(e[0]))
        _INDEXES[key] = index
    return _INDEXES[key]


def keyword_hits(text: str, vocab: Vocabulary, scheme: str) -> Counter[str]:
    """Concept → number of non-overlapping label occurrences in `text`, longest label first."""
    index = _index(vocab, scheme)
    hits: Counter[str] = Counter()
    i = 0
    while i < len(text):
        for label, local in index.get(text[i], ()):
            if text.startswith(label, i):
                hits[local] += 1
                i += len(label)
                break
        else:
            i += 1
    return hits


def rank_concepts(hits: Counter[str], limit: int, share: int) -> tuple[str, ...]:
    """Concepts by hits (ties in first-seen order), keeping those with at least 1/share of the
    top count, at most `limit`."""
    if not hits:
        return ()
    ranked = sorted(hits.items(), key=lambda kv: -kv[1])  # stable: ties keep first-seen order
    top = ranked[0][1]
    return tuple(c for c, n in ranked if n * share >= top)[:limit]


def _places(doc: Document, start: int, end: int, seg: Segment) -> tuple[PlaceMention, ...]:
    from plankg.ingest.places import default_gazetteer

    own = doc.metadata.district or doc.metadata.jurisdiction
    gazetteer = default_gazetteer()
    found = gazetteer.find(doc.text, start, end)
    # abbreviated lists (泸（州）内（江）荣（昌）…): the list and each member it completes to
    for whole, members in gazetteer.find_lists(doc.text, start, end):
        found = [m for m in found if m.end <= whole.start or m.start >= whole.end]
        found += [whole, *members]
    keys = doc.metadata.jurisdictions
    near = (gazetteer.by_code(keys[0]) or gazetteer.get(keys[0])) if keys else None
    out = []
    for m in sorted(found, key=lambda m: (m.start, -m.end)):
        m = gazetteer.nearest(m, near)  # 江北区 in a plan of 宁波市 is Ningbo's
        if own and m.name == own:
            continue
        out.append(
            PlaceMention(
                m.name,
                m.surface,
                m.row.type,
                m.row.level,
                m.row.code,
                Source.span(doc.text, seg, m.start, m.end),
            )
        )
    return tuple(out)


def user_words(vocab: Vocabulary) -> list[str]:
    """Words for jieba's user dictionary: sector and indicator labels and place names (full
    names, so that they win over fragments)."""
    from plankg.ingest.places import default_gazetteer

    words: set[str] = set()
    for scheme in ("sector", "indicator"):
        for concept in vocab.concepts(scheme).values():
            words.update(label for label in concept.labels_zh if 2 <= len(label) <= 20)
    for place in default_gazetteer():
        words.add(place.name)
        if place.short_name and len(place.short_name) >= 2:
            words.add(place.short_name)
    return sorted(words)


@dataclass(frozen=True)
class _KeywordModel:
    """jieba's TF-IDF keyword extraction, without importing jieba.analyse: that package also
    loads jieba's part-of-speech model (half a second per process) which keywords do not need."""

    cut: Any
    idf: dict[str, float]
    median_idf: float
    stop_words: frozenset[str]


@lru_cache(maxsize=1)
def domain_jieba() -> Any:
    """The global jieba with the domain dictionary added, ONCE per process. jieba.add_word
    derives a word's frequency from the dictionary as it stands, so adding the same words twice
    changes later segmentation: every user of the domain dictionary goes through here."""
    import jieba

    from plankg.vocab import vocabulary

    jieba.setLogLevel(logging.WARNING)
    for word in user_words(vocabulary()):
        jieba.add_word(word)
    return jieba


@lru_cache(maxsize=1)
def _keyword_model() -> _KeywordModel:
    """The domain dictionary added to jieba, jieba's IDF table and the stop words, loaded once."""
    import os

    jieba = domain_jieba()
    idf_path = os.path.join(os.path.dirname(jieba.__file__), "analyse", "idf.txt")
    idf: dict[str, float] = {}
    with open(idf_path, encoding="utf-8") as f:
        for line in f:
            word, _, value = line.strip().partition(" ")
            if value:
                idf[word] = float(value)
    values = sorted(idf.values())
    stop = files("plankg.data").joinpath("stopwords.txt").read_text(encoding="utf-8")
    stop_words = frozenset(w.strip() for w in stop.splitlines() if w.strip())
    return _KeywordModel(jieba.cut, idf, values[len(values) // 2], stop_words)


def keywords(text: str, top_k: int = _TOP_KEYWORDS) -> tuple[str, ...]:
    """TF-IDF keywords of `text` (jieba's IDF table, as jieba.analyse.extract_tags computes
    them), without stop words and bare numbers."""
    model = _keyword_model()
    freq: dict[str, float] = {}
    for word in model.cut(text):
        word = word.strip()
        if len(word) < 2 or word.lower() in model.stop_words:
            continue
        freq[word] = freq.get(word, 0.0) + 1.0
    total = sum(freq.values()) or 1.0
    scored = sorted(freq, key=lambda w: (-freq[w] * model.idf.get(w, model.median_idf) / total, w))
    return tuple(t for t in scored if not _NOT_KEYWORD.match(t))[:top_k]


# --------------------------------------------------------------------------------------------
# Public entry point


def extract_measures(doc: Document, vocab: Vocabulary | None = None) -> Iterator[Measure]:
    """Every actionable item of `doc` as a `Measure` (see the module docstring)."""
    if vocab is None:
        from plankg.vocab import vocabulary

        vocab = vocabulary()
    units: list[UnitMention] = [u for _, us in extract_assignments(doc) for u in us]
    unit_index = SpanIndex(units)  # a scan of every unit for every span grew with size²
    for span in measure_spans(doc.text, doc.outline):
        if span.text is not None:
            text = span.text
        else:
            first_break = doc.text.find("\n", span.start, span.end)
            heading_line = span.seg.start == span.start and 0 <= first_break <= span.seg.body_start
            flat = flatten(doc.text[span.start : span.end], heading_line)
            text = _strip_assignment(_strip_number(flat, span.number))
        own = unit_index.within(span.start, span.end)
        scored = "\n".join([text, *[span.label] * _LABEL_WEIGHT])
        sectors = rank_concepts(keyword_hits(scored, vocab, "sector"), _MAX_SECTORS, 4)
        instruments = rank_concepts(keyword_hits(scored, vocab, "instrument"), _MAX_INSTRUMENTS, 3)
        yield Measure(
            number=span.number,
            label=span.label,
            text=text,
            sectors=sectors,
            instrument_types=instruments,
            units=own,
            places=_places(doc, span.start, span.end, span.seg),
            keywords=keywords(text),
            source=Source.span(doc.text, span.seg, span.start, span.end),
        )
