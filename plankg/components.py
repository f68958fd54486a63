"""plankg's extractors as spaCy pipeline components.

Registered under the `spacy_factories` entry point group (pyproject.toml), so that after
`pip install plankg[nlp]` any spaCy pipeline can `nlp.add_pipe("plankg_targets")`:

| factory | span group | labels |
|---|---|---|
| `plankg_measures` | `doc.spans["measures"]` | MEASURE |
| `plankg_targets` | `doc.spans["targets"]` | TARGET |
| `plankg_units` | `doc.spans["units"]` | LEAD, RESPONSIBLE, COOPERATING |
| `plankg_places` | `doc.spans["places"]` | PLACE |
| `plankg_money` | `doc.spans["money"]` | MONEY |

Attributes are Span extensions: `span._.fact_id`, `._.indicator`, `._.value`, `._.comparator`,
`._.unit_of_measure`, `._.year`, `._.role`, `._.canonical_unit`, `._.unit_type`, `._.place`,
`._.yuan`, `._.flags`. Numbers are floats (DocBin stores them with msgpack; the exact decimals
are in the graph).

The components do not extract anything themselves: they build a `Document` from the Doc's text
(`plankg.ingest.document.load_text`) and call `plankg.facts.plan_facts`, i.e. the ingest
extractors. The Doc's text is treated as a plan's text as read from its file: it is cleaned, and
the facts' offsets are mapped back from the cleaned text to the Doc's text (cleaning only deletes
characters). One Document and one run of each extractor serve all five components of a Doc.
Where a fact's boundary falls inside a jieba token, the token is split, so that every span is
exactly the fact's characters.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from plankg.facts import ATTRIBUTES, GROUPS, Fact, plan_facts
from plankg.ingest.document import Document, load_text

# Span extensions the components set, named as the Fact fields they come from.
EXTENSIONS = ("fact_id", *(a for a in ATTRIBUTES if a != "indicator_as_printed"), "flags")
# Where the attributes live: doc.user_data[FACTS_KEY][fact id] = {name: value}. spaCy keys a
# Span extension's value by the span's characters, and two facts may share a span (a table row
# holds its 2023 and its 2025 target), so the extensions read from here through the span's id.
FACTS_KEY = "plankg_facts"


def _getter(name: str) -> Callable[[Span], Any]:
    def get(span: Span) -> Any:
        if name == "fact_id":
            return span.id_ or None
        value = span.doc.user_data.get(FACTS_KEY, {}).get(span.id_, {}).get(name)
        # msgpack gives lists back as tuples: the same list before and after DocBin
        return list(value) if isinstance(value, list | tuple) else value

    return get


def register_extensions() -> None:
    """Declare the Span extensions (once; other packages' extensions are left alone)."""
    for name in EXTENSIONS:
        if not Span.has_extension(name):
            Span.set_extension(name, getter=_getter(name))


register_extensions()


@lru_cache(maxsize=2)
def _document(text: str) -> tuple[Document, tuple[int, ...] | None]:
    """The plan Document of a Doc's text and the map from cleaned offsets to the Doc's offsets
    (None when cleaning changed nothing)."""
    doc = load_text(text)
    if doc.text == text:
        return doc, None
    # cleaning deletes characters only: match the cleaned text into the original greedily
    positions: list[int] = []
    clean_text = doc.text
    j = 0
    for i, ch in enumerate(text):
        if j < len(clean_text) and ch == clean_text[j]:
            positions.append(i)
            j += 1
    if j < len(clean_text):  # cannot happen while cleaning only deletes; never guess offsets
        raise ValueError(f"cleaned text is not a subsequence of the Doc text (stopped at {j})")
    return doc, tuple(positions)


@lru_cache(maxsize=4)
def _plan_facts(text: str, groups: tuple[str, ...]) -> list[Fact]:
    return plan_facts(_document(text)[0], groups)


@lru_cache(maxsize=16)
def _facts(text: str, group: str) -> tuple[tuple[Fact, int, int], ...]:
    """The facts of one group with their offsets in the Doc's text. Measures and places come
    from one run of the measure extractor."""
    positions = _document(text)[1]
    shared = ("measures", "places")
    labels = GROUPS[group]
    facts = _plan_facts(text, shared if group in shared else (group,))
    out = []
    for f in (f for f in facts if f.label in labels):
        if positions is None:
            out.append((f, f.start, f.end))
        elif f.end > f.start:
            out.append((f, positions[f.start], positions[f.end - 1] + 1))
    return tuple(out)


def _attributes(fact: Fact) -> dict[str, Any]:
    """A fact's attributes as DocBin can store them (msgpack: floats, not Decimals)."""
    out: dict[str, Any] = {}
    for name in EXTENSIONS[1:]:
        value = getattr(fact, name)
        if isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out


def _split_tokens(doc: Doc, cuts: set[int]) -> None:
    """Split the tokens that a fact boundary falls inside, keeping every span group (spaCy's
    retokenizer does not move their token offsets, so they are rebuilt from characters)."""
    starts = [t.idx for t in doc]
    inside: dict[int, list[int]] = {}
    for c in sorted(cuts):
        i = bisect_right(starts, c) - 1
        if i >= 0 and starts[i] < c < starts[i] + len(doc[i].text):
            inside.setdefault(i, []).append(c)
    work = []
    for i, inner in inside.items():
        token = doc[i]
        bounds = [token.idx, *inner, token.idx + len(token.text)]
        work.append((token, [doc.text[x:y] for x, y in pairwise(bounds)]))
    if not work:
        return
    saved = {
        key: [(s.start_char, s.end_char, s.label_, s.kb_id_, s.id_) for s in group]
        for key, group in doc.spans.items()
    }
    with doc.retokenize() as retokenizer:
        for token, pieces in work:
            retokenizer.split(token, pieces, heads=[(token, 0)] * len(pieces))
    for key, spans in saved.items():
        doc.spans[key] = [
            doc.char_span(s, e, label=label, kb_id=kb, span_id=sid)
            for s, e, label, kb, sid in spans
        ]


class FactComponent:
    """Puts one group of plankg facts (see plankg.facts.GROUPS) into `doc.spans[spans_key]`."""

    def __init__(self, nlp: Language, name: str, group: str, spans_key: str) -> None:
        if group not in GROUPS:
            raise ValueError(f"unknown plankg fact group {group!r}; known: {list(GROUPS)}")
        self.name = name
        self.group = group
        self.spans_key = spans_key
        if nlp.lang == "zh":
            # the domain words for jieba (once per process), so that spaCy's zh tokenizer, which
            # segments with the global jieba, splits fewer facts inside a token
            from plankg.ingest.extract_measures import domain_jieba

            domain_jieba()

    def __call__(self, doc: Doc) -> Doc:
        found = _facts(doc.text, self.group)
        _split_tokens(doc, {c for _, s, e in found for c in (s, e)})
        store = doc.user_data.setdefault(FACTS_KEY, {})
        spans = []
        for fact, start, end in found:
            span = doc.char_span(
                start, end, label=fact.label.upper(), span_id=fact.id, alignment_mode="expand"
            )
            if span is None:
                continue
            store[fact.id] = _attributes(fact)
            spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc


def _factory(group: str) -> Callable[..., FactComponent]:
    def make(nlp: Language, name: str, spans_key: str) -> FactComponent:
        return FactComponent(nlp, name, group, spans_key)

    make.__name__ = f"make_{group}"
    make.__doc__ = f"The plankg_{group} component: {', '.join(GROUPS[group])} facts."
    return make


make_measures = Language.factory("plankg_measures", default_config={"spans_key": "measures"})(
    _factory("measures")
)
make_targets = Language.factory("plankg_targets", default_config={"spans_key": "targets"})(
    _factory("targets")
)
make_units = Language.factory("plankg_units", default_config={"spans_key": "units"})(
    _factory("units")
)
make_places = Language.factory("plankg_places", default_config={"spans_key": "places"})(
    _factory("places")
)
make_money = Language.factory("plankg_money", default_config={"spans_key": "money"})(
    _factory("money")
)

COMPONENTS = ("plankg_measures", "plankg_targets", "plankg_units", "plankg_places", "plankg_money")


def blank_pipeline() -> Language:
    """`spacy.blank("zh")` with the jieba segmenter and plankg's user dictionary (sector and
    indicator labels, place names) added to jieba once per process. No model is downloaded."""
    import spacy

    from plankg.ingest.extract_measures import domain_jieba

    domain_jieba()  # spaCy's zh tokenizer segments with the global jieba
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


def pipeline(components: tuple[str, ...] = COMPONENTS) -> Language:
    """A ready pipeline: the blank Chinese pipeline with the plankg components added."""
    nlp = blank_pipeline()
    for name in components:
        nlp.add_pipe(name)
    return nlp
