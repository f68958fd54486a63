"""Cross-plan links: indicator alignment, similar and reused measures, common parents, and
cross-border partners, computed from what is in the store and written to their own named graph.

Only this stage looks across plans. It reads the plans, measures, targets and place mentions
from the store (`read_corpus`), computes links with plain functions (`compute_links`), and
replaces the links graph (`iri.LINKS_GRAPH`) in one transaction (`link_store`).

Link kinds (pk:linkKind) and how each is found:

* **pk:sameIndicator** (method ``canonical-indicator``, score 1): two targets of different
  plans, in different districts or one of them in a parent plan, on the same canonical
  pk:indicator. Each target keeps at most ``top_k`` peers (targets of the same year first) and at
  most ``top_k`` parent targets: the indicator concept itself is the full alignment, the links
  are what reviewers check.
* **pk:reusedWording** (method ``char-shingle``) and **pk:similarMeasure** (method
  ``tfidf-cosine``): two measures of different districts, or a district measure and a measure of
  a parent plan (any plan whose pk:level is above the district). Texts are normalised (inline
  assignments such as （牵头单位：…） and item numbers removed); verbatim reuse is the containment
  of character 8-gram shingles (shared shingles / shingles of the shorter text), similarity the
  cosine of TF-IDF vectors over jieba tokens (stop words of ``data/stopwords.txt`` removed).
  A pair whose containment reaches ``reuse_threshold`` (with at least ``MIN_SHARED_SHINGLES``
  shared), or that shares ``LONG_PASSAGE`` shingles, is reused wording; otherwise it is a similar measure when its cosine reaches
  ``threshold``. Candidates come only from inverted indexes over shingles and tokens, rarest
  first, with a bounded number of postings visited per measure, so the work grows linearly with
  the number of measures. Between districts, a greedy pass over the pairs by score keeps at most
  ``top_k`` links of each kind per measure; towards parents, each district measure keeps its
  ``top_k`` best parent measures (a parent measure may be copied by any number of districts).
* **pk:commonParent** on a district–district link: a parent measure that both ends are linked to
  and, for reused wording, that holds at least half of the shingles the two ends share: the
  text comes from the parent, not from one district to the other.
* **pk:crossBorderPartner**: a measure naming a place outside its district (a pk:PlaceMention
  with pk:crossBorder true) is linked to that place (method ``gazetteer``, score 1,
  pk:partnerLevel from the gazetteer's place type). Two measures of different districts that name
  the same cross-border place (method ``shared-partner``), or that name each other's district
  (method ``mutual-mention``), are linked with pk:viaPlace the place(s) and the TF-IDF cosine
  of their texts as score; ``top_k`` per measure. A measure is compared with at most
  ``PARTNER_CANDIDATES`` measures naming the same partner: its neighbours in a ring over them,
  so that a partner named by thousands of districts (成渝地区) stays linear and spreads its links.

Link IRIs are ``BASE + "link/" + digest(kind, source, target)``: stable across re-ingest and
re-link (measure and target IRIs are positions in the plan's text), so reviews stay attached.
The ends of symmetric links are ordered by IRI; district→parent and measure→place links point
from the district measure. Every link is pk:pending: decisions live in the reviews graph.

Thresholds were chosen by reading cross-district pairs of the five district plans and the two
parent plans (all pairs scored once, offline, to see the distributions):

* cosine ≥ 0.35 (87 pairs there): pairs at 0.25–0.35 share a topic (温室气体清单, 应急) but
  seldom the same commitment; above 0.35 most commit to the same action;
* 8-gram containment ≥ 0.3 with ≥ 8 shared 8-grams, or ≥ 20 shared 8-grams whatever the
  containment: 5-grams were shared by chance (温室气体排放…, 72 % containment between unrelated
  short items); every pair read with ≥ 20 shared 8-grams held a copied sentence or more;
* 0.1 for pairs that name the same partner or each other: below it the two measures share only
  the name of a region (成渝地区, 川渝) or of the other district, not a subject.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from plankg import iri

if TYPE_CHECKING:
    import pyoxigraph as ox

PARENT_LEVELS = frozenset({"municipalLevel", "provincialLevel", "regionalLevel", "nationalLevel"})

SIMILARITY_THRESHOLD = 0.35  # TF-IDF cosine for pk:similarMeasure
REUSE_THRESHOLD = 0.3  # shingle containment for pk:reusedWording ...
MIN_SHARED_SHINGLES = 8  # ... with at least this many shared 8-grams (≥ 15 identical characters)
LONG_PASSAGE = 20  # or this many shared 8-grams whatever the containment (a reused paragraph)
PARTNER_THRESHOLD = 0.1  # cosine for two measures that name the same cross-border partner
COMMON_PARENT_SHARE = 0.5  # share of the pair's common shingles that stand in the parent
SHINGLE = 8  # characters per shingle: 5-grams are shared by chance (温室气体排放)
POSTINGS_BUDGET = 1000  # postings visited per measure and index (bounds the work per measure)
CANDIDATES = 20  # candidates per measure and index that are scored exactly
PARTNER_CANDIDATES = 200  # measures naming one partner that a measure is compared with
PROGRAMME_MEMBERS = 5  # a joint programme of at most this many members names each of them
SCORE_DIGITS = Decimal("0.001")

METHOD_INDICATOR = "canonical-indicator"
METHOD_COSINE = "tfidf-cosine"
METHOD_SHINGLE = "char-shingle"
METHOD_GAZETTEER = "gazetteer"
METHOD_SHARED_PARTNER = "shared-partner"
METHOD_MUTUAL = "mutual-mention"

SAME_INDICATOR = "sameIndicator"
SIMILAR = "similarMeasure"
REUSED = "reusedWording"
CROSS_BORDER = "crossBorderPartner"


# --------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class MeasureDoc:
    """A measure as the linker sees it: where it stands and its normalised text."""

    iri: str
    plan: str
    group: str  # the district IRI, or the plan IRI for a plan without a district
    parent: bool  # true for measures of plans above the district level
    text: str


@dataclass(frozen=True)
class TargetDoc:
    iri: str
    plan: str
    group: str
    parent: bool
    indicator: str
    year: int | None


@dataclass(frozen=True)
class CrossBorderMention:
    """A measure naming a place outside its own district."""

    measure: str
    place: str
    name: str  # the place's gazetteer name (its zh label)


@dataclass(frozen=True)
class Hierarchy:
    """Which plans are parents of which, from the administrative hierarchy of their
    jurisdictions (pk:jurisdiction, pk:parentJurisdiction, pk:memberJurisdiction): a city's plan
    is a parent of its districts' and counties' plans, a province's of its cities' and counties',
    a region's (a joint plan of 重庆市 and 四川省) of every plan inside its members."""

    parents_of: dict[str, frozenset[str]] = field(default_factory=dict)  # plan → its parent plans

    @property
    def parent_plans(self) -> frozenset[str]:
        """The plans that are a parent of some plan in the corpus."""
        return frozenset().union(*self.parents_of.values()) if self.parents_of else frozenset()

    def is_parent(self, parent_plan: str, child_plan: str) -> bool:
        return parent_plan in self.parents_of.get(child_plan, ())

    def related(self, a: str, b: str) -> bool:
        """One plan is a parent of the other: their measures are not peers."""
        return self.is_parent(a, b) or self.is_parent(b, a)


@dataclass(frozen=True)
class Corpus:
    measures: tuple[MeasureDoc, ...]
    targets: tuple[TargetDoc, ...]
    mentions: tuple[CrossBorderMention, ...]
    group_names: dict[str, str]  # jurisdiction (district) IRI → its Chinese name
    hierarchy: Hierarchy = field(default_factory=Hierarchy)


@dataclass(frozen=True)
class Link:
    """One link; `iri` is derived from kind and ends only."""

    kind: str  # local name in pk: (sameIndicator, similarMeasure, ...)
    source: str
    target: str
    score: Decimal
    method: str
    common_parent: str | None = None
    via_places: tuple[str, ...] = ()
    partner_level: str | None = None

    @property
    def iri(self) -> str:
        return link_iri(self.kind, self.source, self.target)


@dataclass
class LinkReport:
    """What `link_store` did: counts per kind and method, and seconds per stage."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    measures: int = 0
    targets: int = 0
    common_parent: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """A few lines for the terminal: links per kind and method."""
        lines = [
            f"linked {self.measures} measures and {self.targets} targets: {self.total} links"
            f" ({self.common_parent} with a common parent)"
        ]
        for (kind, method), n in sorted(self.counts.items()):
            lines.append(f"  {kind:<20} {method:<22} {n:>6}")
        return "\n".join(lines)


def link_iri(kind: str, source: str, target: str) -> str:
    """The deterministic IRI of a link."""
    return f"{iri.BASE}link/{iri.digest(kind, source, target, length=16)}"


def _score(value: float) -> Decimal:
    return Decimal(str(min(max(value, 0.0), 1.0))).quantize(SCORE_DIGITS, ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# Reading the store


_MEASURES = """
SELECT DISTINCT ?m ?plan ?quote ?level ?district WHERE {
  ?m a pk:Measure ; pk:plan ?plan ; pk:quote ?quote .
  ?plan pk:level ?level .
  OPTIONAL { ?plan pk:district ?d }
  OPTIONAL { ?plan pk:jurisdiction ?j }
  BIND(COALESCE(?d, ?j) AS ?district)
}"""
_TARGETS = """
SELECT DISTINCT ?t ?plan ?indicator ?year ?level ?district WHERE {
  ?t a pk:Target ; pk:plan ?plan ; pk:indicator ?indicator .
  ?plan pk:level ?level .
  OPTIONAL { ?t pk:targetYear ?year }
  OPTIONAL { ?plan pk:district ?d }
  OPTIONAL { ?plan pk:jurisdiction ?j }
  BIND(COALESCE(?d, ?j) AS ?district)
}"""
# Each plan's jurisdictions, a region's members, and every jurisdiction above them.
_SCOPES = """
SELECT DISTINCT ?plan ?level ?scope ?up WHERE {
  ?plan a pk:Plan ; pk:level ?level .
  OPTIONAL {
    ?plan pk:jurisdiction|(pk:jurisdiction/pk:memberJurisdiction) ?scope .
    OPTIONAL { ?scope pk:parentJurisdiction+ ?up }
  }
}"""
_MENTIONS = """
SELECT DISTINCT ?m ?place ?name WHERE {
  ?pm a pk:PlaceMention ; pk:mentionedIn ?m ; pk:place ?place ; pk:crossBorder true .
  ?m a pk:Measure .
  OPTIONAL { ?place rdfs:label ?label . FILTER(LANG(?label) = "zh") }
  BIND(COALESCE(STR(?label), "") AS ?name)
}"""
# Plans that cite a joint regional plan by its title (《成渝地区双城经济圈碳达峰碳中和联合行动方案》).
_CITATIONS = """
SELECT DISTINCT ?child ?plan WHERE {
  ?plan a pk:Plan ; pk:level pk:regionalLevel ; dcterms:title ?t .
  ?child pk:citesTitle ?t .
  FILTER(?child != ?plan)
}"""
_DISTRICTS = """
SELECT DISTINCT ?district ?name WHERE {
  ?plan a pk:Plan ; pk:district|pk:jurisdiction ?district .
  ?district rdfs:label ?label . FILTER(LANG(?label) = "zh")
  BIND(STR(?label) AS ?name)
}"""


def _rows(store: ox.Store, text: str) -> list[dict[str, str | None]]:
    from plankg.query import run_sparql

    return run_sparql(store, text)[1]


def read_hierarchy(store: ox.Store) -> Hierarchy:
    """Parent plans from the administrative hierarchy in the store (see `Hierarchy`)."""
    scope: dict[str, set[str]] = defaultdict(set)
    above: dict[str, set[str]] = defaultdict(set)
    levels: dict[str, str] = {}
    for r in _rows(store, _SCOPES):
        plan = r["plan"] or ""
        levels[plan] = (r["level"] or "").removeprefix(iri.PK)
        if r["scope"]:
            scope[plan].add(r["scope"])
        if r["up"]:
            above[plan].add(r["up"])
    cites: dict[str, set[str]] = defaultdict(set)
    for r in _rows(store, _CITATIONS):
        cites[r["child"] or ""].add(r["plan"] or "")
    return plan_hierarchy(
        {p: frozenset(scope[p]) for p in levels},
        {p: frozenset(above[p]) for p in levels},
        levels,
        {c: frozenset(ps) for c, ps in cites.items()},
    )


def plan_hierarchy(
    scope: dict[str, frozenset[str]],
    above: dict[str, frozenset[str]],
    levels: dict[str, str],
    cites: dict[str, frozenset[str]] | None = None,
) -> Hierarchy:
    """P is a parent of C when one of P's jurisdictions stands above one of C's (绍兴市 under
    浙江省), or when P is a joint plan of a region, one of whose members holds C's jurisdiction,
    and C cites P by its title (江津区贯彻落实《成渝地区双城经济圈…联合行动方案》): a joint plan
    of two provinces binds the plans that implement it, not every plan of the two. A plan without a known
    jurisdiction falls back to its level: a municipal, provincial or regional plan is then a
    parent of every district-level plan. Work: plans × the plans sharing a jurisdiction key."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for plan, keys in scope.items():
        for k in keys:
            by_key[k].add(plan)
    parents_of: dict[str, set[str]] = defaultdict(set)
    for child in scope:
        for k in above.get(child, ()):
            parents_of[child] |= {p for p in by_key.get(k, ()) if levels.get(p) != "regionalLevel"}
        cited = (cites or {}).get(child, frozenset())
        if levels.get(child) != "regionalLevel" and cited:
            for k in scope[child] | above.get(child, frozenset()):
                parents_of[child] |= {
                    p for p in by_key.get(k, ()) if levels.get(p) == "regionalLevel" and p in cited
                }
    unplaced = [p for p in scope if not scope[p] and levels.get(p) in PARENT_LEVELS]
    for child in scope:
        if levels.get(child) not in PARENT_LEVELS:
            parents_of[child] |= set(unplaced)
        parents_of[child].discard(child)
    return Hierarchy({c: frozenset(ps) for c, ps in parents_of.items() if ps})


def read_corpus(store: ox.Store) -> Corpus:
    """Measures (with normalised text), targets with an indicator, cross-border mentions and
    jurisdiction names, from the union of the plan graphs; a measure or target is `parent` when
    its plan is the parent of another plan in the store (`read_hierarchy`)."""
    hierarchy = read_hierarchy(store)
    parent_plans = hierarchy.parent_plans
    measures = []
    for r in _rows(store, _MEASURES):
        parent = (r["plan"] or "") in parent_plans
        plan = r["plan"] or ""
        measures.append(
            MeasureDoc(
                r["m"] or "", plan, r["district"] or plan, parent, normalise(r["quote"] or "")
            )
        )
    targets = []
    for r in _rows(store, _TARGETS):
        parent = (r["plan"] or "") in parent_plans
        plan = r["plan"] or ""
        year = int(r["year"]) if r["year"] and r["year"].isdigit() else None
        targets.append(
            TargetDoc(r["t"] or "", plan, r["district"] or plan, parent, r["indicator"] or "", year)
        )
    mentions = [
        CrossBorderMention(r["m"] or "", r["place"] or "", r["name"] or "")
        for r in _rows(store, _MENTIONS)
    ]
    names = {r["district"] or "": r["name"] or "" for r in _rows(store, _DISTRICTS)}
    return Corpus(
        tuple(sorted(measures, key=lambda m: m.iri)),
        tuple(sorted(targets, key=lambda t: t.iri)),
        tuple(sorted(set(mentions), key=lambda x: (x.measure, x.place))),
        names,
        hierarchy,
    )


# --------------------------------------------------------------------------------------------
# Text: normalisation, shingles, tokens


_ITEM_NUMBER = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百]+[章节条]|[（(]?[0-9０-９一二三四五六七八九十]{1,3}[)）]|"
    r"[0-9]{1,3}\s*[.．、]|[0-9]{1,3}(?=\s)|[一二三四五六七八九十]{1,3}、)\s*"
)
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _assignment_pattern() -> re.Pattern[str]:
    """（牵头单位：…） and the like anywhere in a text, from the assignment vocabulary."""
    from plankg.ingest.extract_units import assignment_vocab

    labels = sorted(assignment_vocab().labels, key=len, reverse=True)
    alternatives = "|".join(re.escape(label) for label in labels)
    return re.compile(rf"[（(]\s*(?:{alternatives})\s*[：:][^（()）]*[)）]")


def normalise(quote: str) -> str:
    """The text of a measure for comparison: NFKC, no whitespace (PDF line breaks fall inside
    words), no item number, no inline assignment of units."""
    text = _assignment_pattern().sub("", unicodedata.normalize("NFKC", quote))
    return _SPACE.sub("", _ITEM_NUMBER.sub("", text, count=1))


def shingles(text: str, k: int = SHINGLE) -> frozenset[str]:
    """Character k-grams of the text's letters and digits (punctuation does not break reuse)."""
    chars = "".join(ch for ch in text if ch.isalnum())
    return frozenset(chars[i : i + k] for i in range(len(chars) - k + 1))


@dataclass(frozen=True)
class _Tokenizer:
    cut: Callable[[str], Iterable[str]]
    stop_words: frozenset[str]


@lru_cache(maxsize=1)
def _tokenizer() -> _Tokenizer:
    """jieba with the domain dictionary (sector and indicator labels, place names), loaded once
    per process, and the domain stop words."""
    from importlib.resources import files

    from plankg.ingest.extract_measures import domain_jieba

    jieba = domain_jieba()
    stop = files("plankg.data").joinpath("stopwords.txt").read_text(encoding="utf-8")
    return _Tokenizer(jieba.lcut, frozenset(w.strip() for w in stop.splitlines() if w.strip()))


def tokens(text: str) -> list[str]:
    """jieba tokens of two or more characters that are not stop words or bare numbers."""
    t = _tokenizer()
    return [
        w
        for w in t.cut(text)
        if len(w) >= 2
        and w not in t.stop_words
        and any(unicodedata.category(ch) == "Lo" for ch in w)
    ]


# --------------------------------------------------------------------------------------------
# Vectors and the inverted index


_HASH_BASE = 1_000_003  # rolling hash of k code points, modulo 2**64 (numpy wraps around)
FEATURE_CHUNK = 4000  # measures per feature task on the executor


def hashed_shingles(text: str, k: int = SHINGLE) -> Any:
    """The character k-grams of `shingles`, as sorted unique 64-bit integers: a polynomial hash
    of their code points (the same in every process, unlike Python's `hash`), 8 bytes each
    instead of a string object. Two different 8-grams collide with probability about 2**-64."""
    import numpy as np

    chars = "".join(ch for ch in text if ch.isalnum())
    n = len(chars) - k + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    base = np.uint64(_HASH_BASE)
    for j in range(k):
        h = h * base + codes[j : j + n]
    return np.unique(h)


def _chunk_features(texts: Sequence[str]) -> tuple[list[list[str]], Any, Any]:
    """One feature task: jieba tokens and hashed shingles (as one array with offsets) of a chunk
    of measure texts. Runs on any worker: it reads nothing but its arguments."""
    import numpy as np

    toks = [tokens(t) for t in texts]
    arrays = [hashed_shingles(t) for t in texts]
    offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
    np.cumsum([len(x) for x in arrays], out=offsets[1:])
    data = np.concatenate(arrays) if arrays else np.empty(0, dtype=np.uint64)
    return toks, data, offsets


class _Rows:
    """Rows of a CSR-like pair (data, offsets): row i is data[offsets[i]:offsets[i + 1]]."""

    def __init__(self, data: Any, offsets: Any) -> None:
        self.data, self.offsets = data, offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def row(self, i: int) -> Any:
        return self.data[self.offsets[i] : self.offsets[i + 1]]


class _ShingleSets(_Rows):
    """The shingles of measure i as a frozenset of integers, built when asked for (only a few
    are: the parents of a linked pair)."""

    def __getitem__(self, i: int) -> frozenset[int]:
        return frozenset(self.row(i).tolist())


class _Vectors:
    """L2-normalised TF-IDF vectors kept as token ids and weights in the tokens' first-occurrence
    order; vector i as a dict (id → weight) when asked for, so that `cosine` adds the products in
    the same order as ever."""

    def __init__(self, ids: Any, weights: Any, offsets: Any) -> None:
        self.ids, self.weights, self.offsets = ids, weights, offsets

    def __getitem__(self, i: int) -> dict[int, float]:
        a, b = self.offsets[i], self.offsets[i + 1]
        return dict(zip(self.ids[a:b].tolist(), self.weights[a:b].tolist(), strict=True))


@dataclass
class _Features:
    shingles: _ShingleSets  # hashed 8-grams per measure (sorted unique uint64)
    vectors: _Vectors  # L2-normalised TF-IDF over token ids
    terms: _Rows  # distinct token ids per measure
    idf: Any  # numpy array: idf of token id
    vocabulary: list[str]


def _features(
    measures: Sequence[MeasureDoc],
    *,
    executor: str = "process",
    jobs: int | None = None,
    scheduler: str | None = None,
    chunk: int = FEATURE_CHUNK,
) -> _Features:
    """Tokens and shingles of every measure, computed in chunks of FEATURE_CHUNK measures on
    the executor (jieba is most of the linker's time), then TF-IDF weights here."""
    import numpy as np

    from plankg.ingest.pipeline import map_unordered

    texts = [m.text for m in measures]
    chunks = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
    if len(chunks) <= 1:
        executor, jobs = "process", 1  # one chunk: no pool to start
    parts: dict[int, tuple[list[list[str]], Any, Any]] = dict(
        map_unordered(_chunk_features, chunks, executor=executor, jobs=jobs, scheduler=scheduler)
    )
    ordered = [parts[n] for n in range(len(chunks))]
    toks = [t for part in ordered for t in part[0]]
    sh_data = (
        np.concatenate([part[1] for part in ordered]) if ordered else np.empty(0, dtype=np.uint64)
    )
    sh_offsets = np.zeros(len(toks) + 1, dtype=np.int64)
    base = 0
    pos = 1
    for part in ordered:
        counts = np.diff(part[2])
        sh_offsets[pos : pos + len(counts)] = base + np.cumsum(counts)
        base += int(part[2][-1])
        pos += len(counts)

    vocab: dict[str, int] = {}
    df: list[int] = []
    ids_per: list[list[int]] = []
    for ts in toks:
        ids = [vocab.setdefault(t, len(vocab)) for t in ts]
        for t in set(ids):
            if t >= len(df):
                df.extend([0] * (t + 1 - len(df)))
            df[t] += 1
        ids_per.append(ids)
    n = len(measures)
    idf_list = [math.log((1 + n) / (1 + d)) + 1.0 for d in df]
    v_ids: list[int] = []
    v_weights: list[float] = []
    v_offsets = [0]
    t_ids: list[int] = []
    t_offsets = [0]
    for ids in ids_per:
        tf = Counter(ids)
        vec = {t: (1.0 + math.log(c)) * idf_list[t] for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        v_ids.extend(vec)
        v_weights.extend(v / norm for v in vec.values())
        v_offsets.append(len(v_ids))
        t_ids.extend(sorted(tf))
        t_offsets.append(len(t_ids))
    return _Features(
        _ShingleSets(sh_data, sh_offsets),
        _Vectors(
            np.array(v_ids, dtype=np.int64),
            np.array(v_weights, dtype=np.float64),
            np.array(v_offsets, dtype=np.int64),
        ),
        _Rows(np.array(t_ids, dtype=np.int64), np.array(t_offsets, dtype=np.int64)),
        np.array(idf_list, dtype=np.float64),
        list(vocab),
    )


def cosine(a: dict[Any, float], b: dict[Any, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


class _Index:
    """Inverted index over integer terms: for each distinct term (sorted), the ascending ids of
    the documents holding it, as flat numpy arrays (no Python object per posting)."""

    def __init__(self, rows: _Rows, docs: Sequence[int], rank: Any = None) -> None:
        import numpy as np

        docs_arr = np.asarray(docs, dtype=np.int64)
        lengths = (
            (rows.offsets[docs_arr + 1] - rows.offsets[docs_arr])
            if len(docs_arr)
            else np.empty(0, dtype=np.int64)
        )
        terms = (
            np.concatenate([rows.row(i) for i in docs])
            if len(docs)
            else np.empty(0, dtype=rows.data.dtype)
        )
        owners = np.repeat(docs_arr, lengths)
        order = np.lexsort((owners, terms))
        terms, owners = terms[order], owners[order]
        self.terms, starts = np.unique(terms, return_index=True)
        self.starts = np.append(starts, len(terms)).astype(np.int64)
        self.postings = owners
        self.rank = rank  # order among terms of equal frequency (None: by the term itself)

    def candidates(
        self, terms: Any, group_of: Any, group: int | None, weight: Any = None, allow: Any = None
    ) -> list[int]:
        """Up to CANDIDATES documents sharing the most (weighted) terms with `terms`, found by
        walking the postings of the rarest terms first, about POSTINGS_BUDGET of them in all; a
        term in more documents than that is skipped: it says little and would cost much (text
        that thousands of districts copy from a parent is found through the parent). Documents
        of `group` are left out, and with `allow` (a pair of arrays: the plan of every
        document, and whether each plan may be linked) the documents of plans it refuses."""
        import numpy as np

        if not len(terms) or not len(self.terms):
            return []
        at = np.searchsorted(self.terms, terms)
        at[at >= len(self.terms)] = len(self.terms) - 1
        found = self.terms[at] == terms
        df = np.where(found, self.starts[at + 1] - self.starts[at], 0)
        keep = (df > 0) & (df <= POSTINGS_BUDGET)
        if not keep.any():
            return []
        tie = terms if self.rank is None else self.rank[terms]
        order = np.lexsort((tie, df))
        order = order[keep[order]]
        visited = np.cumsum(df[order])
        # terms up to and including the one whose postings reach the budget
        stop = int(np.searchsorted(visited, POSTINGS_BUDGET, side="left")) + 1
        order = order[:stop]
        spans = [(self.starts[at[k]], self.starts[at[k] + 1]) for k in order]
        hits = np.concatenate([self.postings[a:b] for a, b in spans])
        w = None if weight is None else np.repeat(weight[terms[order]], [b - a for a, b in spans])
        if group is not None:
            mask = group_of[hits] != group
            hits = hits[mask]
            w = w[mask] if w is not None else None
        if allow is not None:
            plan_of, plan_ok = allow
            mask = plan_ok[plan_of[hits]]
            hits = hits[mask]
            w = w[mask] if w is not None else None
        if not len(hits):
            return []
        ids, inverse = np.unique(hits, return_inverse=True)
        scores = np.bincount(inverse, weights=w) if w is not None else np.bincount(inverse)
        best = np.lexsort((ids, -scores))[:CANDIDATES]
        return ids[best].tolist()


# --------------------------------------------------------------------------------------------
# Computing links


def _containment(a: frozenset[str], b: frozenset[str]) -> tuple[float, int]:
    if not a or not b:
        return 0.0, 0
    shared = len(a & b) if len(a) < len(b) else len(b & a)
    return shared / min(len(a), len(b)), shared


def _pair(kind: str, a: str, b: str, score: float, method: str, **extra: Any) -> Link:
    s, t = sorted((a, b))
    return Link(kind, s, t, _score(score), method, **extra)


def _greedy_cap(
    pairs: Iterable[tuple[float, str, str, Any]],
    top_k: int,
    capped: Callable[[str], bool] = lambda _: True,
) -> Iterator[tuple[float, str, str, Any]]:
    """Pairs by descending score, keeping a pair while neither capped end has `top_k` yet."""
    degree: Counter[str] = Counter()
    for item in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        _, a, b, _ = item
        if (capped(a) and degree[a] >= top_k) or (capped(b) and degree[b] >= top_k):
            continue
        degree[a] += 1
        degree[b] += 1
        yield item


def _ring(members: Sequence[Any], n: int, keep: Callable[[Any], bool], limit: int) -> list[Any]:
    """Up to `limit` members after position n, wrapping around, that `keep` accepts: a bounded,
    deterministic neighbourhood that spreads links over a large group instead of sending every
    member to the first few of it. Visits at most 4 × limit members."""
    out = []
    for step in range(1, min(len(members), 4 * limit + 1)):
        other = members[(n + step) % len(members)]
        if keep(other):
            out.append(other)
            if len(out) >= limit:
                break
    return out


def indicator_links(
    targets: Sequence[TargetDoc], top_k: int, hierarchy: Hierarchy | None = None
) -> list[Link]:
    """pk:sameIndicator between targets of different districts, or a district and a parent.
    With a `hierarchy`, a target's parents are those of its plan's parent plans, and targets
    of plans of which one is the other's parent are not peers."""
    by_indicator: dict[str, list[TargetDoc]] = defaultdict(list)
    for t in targets:
        by_indicator[t.indicator].append(t)
    related = hierarchy.related if hierarchy else (lambda a, b: False)
    out: list[Link] = []
    for members in by_indicator.values():
        # Each target keeps top_k peers and top_k parents, targets of the same year first. Peers
        # are sorted by year, so that a target's neighbourhood in the ring is its year's targets.
        peers = sorted(
            (t for t in members if not t.parent or hierarchy is not None),
            key=lambda t: (t.year or 0, t.group, t.iri),
        )
        parents = sorted((t for t in members if t.parent), key=lambda t: t.iri)
        parent_iris = {t.iri for t in parents}
        parents_by_plan: dict[str, list[TargetDoc]] = defaultdict(list)
        for t in parents:
            parents_by_plan[t.plan].append(t)
        peer_pairs: dict[tuple[str, str], float] = {}
        parent_pairs: dict[tuple[str, str], float] = {}
        for n, t in enumerate(peers):
            for o in _ring(
                peers,
                n,
                lambda o, t=t: o.group != t.group and not related(o.plan, t.plan),
                PARTNER_CANDIDATES,
            ):
                a, b = sorted((t.iri, o.iri))
                peer_pairs[(a, b)] = 1.0 if o.year == t.year else 0.5
            if hierarchy is None:
                mine = parents
            else:
                mine = [
                    o
                    for plan in sorted(hierarchy.parents_of.get(t.plan, ()))
                    for o in parents_by_plan.get(plan, ())
                ]
            for o in mine[:PARTNER_CANDIDATES]:
                parent_pairs[(t.iri, o.iri)] = 1.0 if o.year == t.year else 0.5
        kept = list(_greedy_cap([(r, a, b, None) for (a, b), r in peer_pairs.items()], top_k))
        kept += _greedy_cap(
            [(r, a, b, None) for (a, b), r in parent_pairs.items()],
            top_k,
            capped=lambda x, p=parent_iris: x not in p,
        )
        out.extend(Link(SAME_INDICATOR, a, b, _score(1.0), METHOD_INDICATOR) for _, a, b, _ in kept)
    return out


@dataclass(frozen=True)
class _Scored:
    kind: str
    score: float
    method: str
    shared: frozenset[int]  # the shared shingles, kept only for reused pairs that are linked


def _classify(
    i: int, j: int, f: _Features, threshold: float, reuse_threshold: float
) -> _Scored | None:
    import numpy as np

    a, b = f.shingles.row(i), f.shingles.row(j)
    shared = int(np.intersect1d(a, b, assume_unique=True).size) if len(a) and len(b) else 0
    contain = shared / min(len(a), len(b)) if shared else 0.0
    if shared >= LONG_PASSAGE or (contain >= reuse_threshold and shared >= MIN_SHARED_SHINGLES):
        return _Scored(REUSED, contain, METHOD_SHINGLE, frozenset())
    cos = cosine(f.vectors[i], f.vectors[j])
    if cos >= threshold:
        return _Scored(SIMILAR, cos, METHOD_COSINE, frozenset())
    return None


def _with_shared(s: _Scored, i: int, j: int, f: _Features) -> _Scored:
    """The scored pair with its shared shingles, for the common-parent test of a linked pair."""
    import dataclasses

    if s.kind != REUSED:
        return s
    return dataclasses.replace(s, shared=f.shingles[i] & f.shingles[j])


def measure_links(
    measures: Sequence[MeasureDoc],
    top_k: int,
    threshold: float,
    reuse_threshold: float,
    features: _Features | None = None,
    hierarchy: Hierarchy | None = None,
) -> list[Link]:
    """pk:reusedWording and pk:similarMeasure between districts and towards parent plans, with
    pk:commonParent on district–district links whose text stands in a parent plan. With a
    `hierarchy`, every measure has peers (plans of other jurisdictions that are neither its
    parents nor its children) and parents (the measures of its plan's parent plans only)."""
    import numpy as np

    f = features or _features(measures)
    allowed = _plan_masks(measures, hierarchy)
    district = (
        [i for i, m in enumerate(measures) if not m.parent]
        if hierarchy is None
        else list(range(len(measures)))
    )
    parents = [i for i, m in enumerate(measures) if m.parent]
    groups: dict[str, int] = {}
    group_of = np.array([groups.setdefault(m.group, len(groups)) for m in measures], dtype=np.int64)
    # equal-frequency tokens are visited in the order of their text, as they always were
    order = sorted(range(len(f.vocabulary)), key=f.vocabulary.__getitem__)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    peer_shingles = _Index(f.shingles, district)
    peer_tokens = _Index(f.terms, district, rank)
    parent_shingles = _Index(f.shingles, parents)
    parent_tokens = _Index(f.terms, parents, rank)

    peer: dict[tuple[int, int], _Scored] = {}
    seen: set[tuple[int, int]] = set()
    to_parent: dict[int, list[tuple[float, int, _Scored]]] = defaultdict(list)
    for i in district:
        group = int(group_of[i])
        sh, tk = f.shingles.row(i), f.terms.row(i)
        peer_ok, parent_ok = allowed(i)
        for j in _union(
            peer_shingles.candidates(sh, group_of, group, allow=peer_ok),
            peer_tokens.candidates(tk, group_of, group, f.idf, allow=peer_ok),
        ):
            key = (min(i, j), max(i, j))
            if key in seen:
                continue
            seen.add(key)
            scored = _classify(*key, f, threshold, reuse_threshold)
            if scored:
                peer[key] = scored
        for j in _union(
            parent_shingles.candidates(sh, group_of, None, allow=parent_ok),
            parent_tokens.candidates(tk, group_of, None, f.idf, allow=parent_ok),
        ):
            scored = _classify(i, j, f, threshold, reuse_threshold)
            if scored:
                to_parent[i].append((scored.score, j, scored))

    out: list[Link] = []
    parents_of: dict[int, dict[int, _Scored]] = {}
    for i, found in to_parent.items():
        # reused wording first, then by score: a district measure keeps its top_k parents
        found.sort(key=lambda x: (x[2].kind != REUSED, -x[0], measures[x[1]].iri))
        parents_of[i] = {j: s for _, j, s in found[:top_k]}
        for j, s in parents_of[i].items():
            out.append(Link(s.kind, measures[i].iri, measures[j].iri, _score(s.score), s.method))

    for kind in (REUSED, SIMILAR):
        items = [
            (s.score, measures[i].iri, measures[j].iri, (i, j, s))
            for (i, j), s in peer.items()
            if s.kind == kind
        ]
        for _, _, _, (i, j, s) in _greedy_cap(items, top_k):
            parent = _common_parent(i, j, _with_shared(s, i, j, f), parents_of, f)
            out.append(
                _pair(
                    kind,
                    measures[i].iri,
                    measures[j].iri,
                    s.score,
                    s.method,
                    common_parent=measures[parent].iri if parent is not None else None,
                )
            )
    return out


def _plan_masks(
    docs: Sequence[MeasureDoc],
    hierarchy: Hierarchy | None,
) -> Callable[[int], tuple[Any, Any]]:
    """For document i, (peers, parents) as `_Index.candidates` takes them in `allow`: the plan
    of every document and, per plan, whether its documents are peers of i (plans of which
    neither is the other's parent) or parents of i (its plan's parent plans). Without a
    hierarchy every pair is a peer and every parent measure a parent (the old rule): (None,
    None). One pair of arrays per plan, built from the hierarchy's few parents and children."""
    import numpy as np

    if hierarchy is None:
        return lambda i: (None, None)
    index: dict[str, int] = {}
    plan_of = np.array([index.setdefault(d.plan, len(index)) for d in docs], dtype=np.int64)
    children: dict[str, set[str]] = defaultdict(set)
    for child, parents in hierarchy.parents_of.items():
        for parent in parents:
            children[parent].add(child)
    cache: dict[int, tuple[Any, Any]] = {}

    def allowed(i: int) -> tuple[Any, Any]:
        k = int(plan_of[i])
        if k not in cache:
            plan = docs[i].plan
            parents = [index[p] for p in hierarchy.parents_of.get(plan, ()) if p in index]
            kin = parents + [index[c] for c in children.get(plan, ()) if c in index]
            peers = np.ones(len(index), dtype=bool)
            peers[kin] = False
            above = np.zeros(len(index), dtype=bool)
            above[parents] = True
            cache.clear()  # documents come plan by plan: one plan's masks at a time
            cache[k] = ((plan_of, peers), (plan_of, above))
        return cache[k]

    return allowed


def _union(*lists: list[int]) -> list[int]:
    return sorted(set().union(*lists))


def _common_parent(
    i: int, j: int, s: _Scored, parents_of: dict[int, dict[int, _Scored]], f: _Features
) -> int | None:
    """The parent measure both ends are linked to that best explains their shared text."""
    common = sorted(set(parents_of.get(i, {})) & set(parents_of.get(j, {})))
    if not common:
        return None
    if s.kind == REUSED:
        best, share = None, 0.0
        for p in common:
            value = len(s.shared & f.shingles[p]) / len(s.shared)
            if value > share:
                best, share = p, value
        return best if share >= COMMON_PARENT_SHARE else None
    return max(common, key=lambda p: (min(parents_of[i][p].score, parents_of[j][p].score), -p))


def cross_border_links(
    measures: Sequence[MeasureDoc],
    mentions: Sequence[CrossBorderMention],
    group_names: dict[str, str],
    top_k: int,
    features: _Features | None = None,
) -> list[Link]:
    """Measure → place links for every cross-border mention, and measure ↔ measure links between
    districts that name the same partner or each other."""
    from plankg.ingest.places import default_gazetteer

    gazetteer = default_gazetteer()
    f = features or _features(measures)
    index = {m.iri: i for i, m in enumerate(measures)}
    out: list[Link] = []
    places_of: dict[int, set[str]] = defaultdict(set)
    names_of: dict[int, set[str]] = defaultdict(set)
    by_place: dict[str, list[int]] = defaultdict(list)
    by_place_group: dict[tuple[str, str], list[int]] = defaultdict(list)
    name_to_place: dict[str, str] = {}
    for x in mentions:
        i = index.get(x.measure)
        if i is None or measures[i].parent:
            continue
        row = gazetteer.get(x.name) or (
            gazetteer.list_place(x.name) if gazetteer.find_lists(x.name) else None
        )
        level = row.type if row else "other"
        out.append(
            Link(
                CROSS_BORDER, x.measure, x.place, _score(1.0), METHOD_GAZETTEER, partner_level=level
            )
        )
        names_of[i].add(x.name)
        name_to_place.setdefault(x.name, x.place)
        if x.place not in places_of[i]:
            places_of[i].add(x.place)
            by_place[x.place].append(i)
            by_place_group[(x.place, measures[i].group)].append(i)
        # A joint programme names its members (泸永江 names 泸州市, 永川区, 江津区): a measure of
        # 江津区 naming it names 永川区, and one of 永川区 naming it names 江津区 back.
        own = group_names.get(measures[i].group)
        members = gazetteer.members_of(row) if row else []
        if len(members) > PROGRAMME_MEMBERS:
            members = []  # a broad region (渝西地区, 川渝) is a setting, not a named partner
        for member in members:
            if member.name == own or member.name in names_of[i]:
                continue
            member_place = iri.place(member.code, member.name)
            names_of[i].add(member.name)
            name_to_place.setdefault(member.name, member_place)
            by_place_group[(member_place, measures[i].group)].append(i)
    groups_named: dict[str, list[str]] = defaultdict(list)
    for group, name in sorted(group_names.items()):
        groups_named[name].append(group)
    position = {(place, i): n for place, members in by_place.items() for n, i in enumerate(members)}

    pairs: dict[tuple[int, int], tuple[float, str, tuple[str, ...]]] = {}
    for i in sorted(places_of):
        mi = measures[i]
        for place in sorted(places_of[i]):
            members = by_place[place]
            others = _ring(
                members,
                position[(place, i)],
                lambda j, g=mi.group: measures[j].group != g,
                PARTNER_CANDIDATES,
            )
            for j in others:
                key = (min(i, j), max(i, j))
                if key in pairs:
                    continue
                via = tuple(sorted(places_of[i] & places_of[j]))
                cos = cosine(f.vectors[i], f.vectors[j])
                if cos >= PARTNER_THRESHOLD:
                    pairs[key] = (cos, METHOD_SHARED_PARTNER, via)
        # The other district names this measure's district, and this one names it back.
        own = group_names.get(mi.group)
        own_place = name_to_place.get(own or "")
        for name in sorted(names_of[i]):
            if own_place is None:
                break
            partners = [
                j
                for g in groups_named.get(name, ())
                for j in by_place_group.get((own_place, g), ())[:PARTNER_CANDIDATES]
            ]
            for j in partners:
                key = (min(i, j), max(i, j))
                via = tuple(
                    sorted({own_place, name_to_place[name]} | (places_of[i] & places_of[j]))
                )
                cos = cosine(f.vectors[i], f.vectors[j])
                if cos >= PARTNER_THRESHOLD:  # naming each other is not enough: same subject
                    pairs[key] = (cos, METHOD_MUTUAL, via)
    items = [
        (cos, measures[i].iri, measures[j].iri, (method, via))
        for (i, j), (cos, method, via) in pairs.items()
    ]
    for cos, a, b, (method, via) in _greedy_cap(items, top_k):
        out.append(_pair(CROSS_BORDER, a, b, cos, method, via_places=via))
    return out


def compute_links(
    corpus: Corpus,
    *,
    top_k: int = 5,
    threshold: float = SIMILARITY_THRESHOLD,
    reuse_threshold: float = REUSE_THRESHOLD,
    timings: dict[str, float] | None = None,
    executor: str = "process",
    jobs: int | None = None,
    scheduler: str | None = None,
    chunk: int = FEATURE_CHUNK,
) -> list[Link]:
    """Every link of the corpus, without duplicates, in a stable order."""
    import gc

    # Millions of small acyclic objects (shingles, postings, pairs): the cyclic collector would
    # rescan them again and again, which makes linking grow faster than the corpus.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _compute_links(
            corpus,
            top_k,
            threshold,
            reuse_threshold,
            timings if timings is not None else {},
            {"executor": executor, "jobs": jobs, "scheduler": scheduler, "chunk": chunk},
        )
    finally:
        if enabled:
            gc.enable()


def _compute_links(
    corpus: Corpus,
    top_k: int,
    threshold: float,
    reuse_threshold: float,
    timings: dict[str, float],
    executor: dict[str, Any],
) -> list[Link]:
    clock = time.perf_counter()
    features = _features(corpus.measures, **executor)
    timings["features"] = time.perf_counter() - clock
    clock = time.perf_counter()
    links = indicator_links(corpus.targets, top_k, corpus.hierarchy)
    timings["indicators"] = time.perf_counter() - clock
    clock = time.perf_counter()
    links += measure_links(
        corpus.measures, top_k, threshold, reuse_threshold, features, corpus.hierarchy
    )
    timings["measures"] = time.perf_counter() - clock
    clock = time.perf_counter()
    links += cross_border_links(
        corpus.measures, corpus.mentions, corpus.group_names, top_k, features
    )
    timings["cross_border"] = time.perf_counter() - clock
    unique: dict[str, Link] = {}
    for link in links:
        unique.setdefault(link.iri, link)
    return sorted(unique.values(), key=lambda x: x.iri)


# --------------------------------------------------------------------------------------------
# Writing


def link_quads(links: Iterable[Link]) -> list[ox.Quad]:
    """The triples of the links, in the links graph."""
    import pyoxigraph as ox

    from plankg.ingest.rdf import RDF_TYPE, GraphWriter, N, pk

    w = GraphWriter(ox.NamedNode(iri.LINKS_GRAPH))
    for link in links:
        s = link.iri
        w.add(s, RDF_TYPE, pk("Link"))
        w.add(s, pk("linkSource"), N(link.source))
        w.add(s, pk("linkTarget"), N(link.target))
        w.add(s, pk("linkKind"), pk(link.kind))
        w.add(s, pk("score"), link.score)
        w.add(s, pk("method"), link.method)
        w.add(s, pk("reviewStatus"), pk("pending"))
        if link.common_parent:
            w.add(s, pk("commonParent"), N(link.common_parent))
        for place in link.via_places:
            w.add(s, pk("viaPlace"), N(place))
        w.add(s, pk("partnerLevel"), link.partner_level)
    return w.quads


def parent_plan_quads(hierarchy: Hierarchy) -> list[ox.Quad]:
    """`child pk:parentPlan parent` for every pair of the hierarchy, in the links graph: the
    queries read from there which end of a link is the parent plan."""
    import pyoxigraph as ox

    from plankg.ingest.rdf import GraphWriter, N, pk

    w = GraphWriter(ox.NamedNode(iri.LINKS_GRAPH))
    for child in sorted(hierarchy.parents_of):
        for parent in sorted(hierarchy.parents_of[child]):
            w.add(child, pk("parentPlan"), N(parent))
    return w.quads


LINK_FILE_LINKS = 50_000  # links per N-Triples file written (a batch of the bulk loader)


def _write_links(store: ox.Store, links: Sequence[Link], extra: Sequence[ox.Quad] = ()) -> None:
    """Replace the links graph: N-Triples files of LINK_FILE_LINKS links each, bulk-loaded, and
    the `extra` quads (pk:parentPlan) in the last file."""
    import tempfile
    from pathlib import Path

    from plankg.store import ntriples, write_graphs

    with tempfile.TemporaryDirectory(prefix="plankg-links-") as tmp:
        files = []
        for n in range(0, max(len(links), 1), LINK_FILE_LINKS):
            path = Path(tmp) / f"links-{n}.nt"
            quads = link_quads(links[n : n + LINK_FILE_LINKS])
            if n + LINK_FILE_LINKS >= len(links):
                quads += list(extra)
            path.write_text(ntriples(quads) + "\n", encoding="utf-8")
            files.append((iri.LINKS_GRAPH, path))
        write_graphs(store, files, run="", commit=lambda: None)


def link_store(
    store: ox.Store,
    *,
    top_k: int = 5,
    threshold: float = SIMILARITY_THRESHOLD,
    reuse_threshold: float = REUSE_THRESHOLD,
    progress: Callable[[str], None] | None = None,
    executor: str = "process",
    jobs: int | None = None,
    scheduler: str | None = None,
    chunk: int = FEATURE_CHUNK,
) -> LinkReport:
    """Compute every link from the plans in the store and replace the links graph with them
    (in bounded batches under the store's undo journal: all or nothing). The features (jieba
    tokens, hashed shingles) are computed in partitions on `executor`. Re-running gives the
    same link IRIs; reviews (their own graph) are kept."""

    report = LinkReport()
    clock = time.perf_counter()
    corpus = read_corpus(store)
    report.timings["read"] = time.perf_counter() - clock
    report.measures, report.targets = len(corpus.measures), len(corpus.targets)
    if progress:
        progress(f"linking {report.measures} measures and {report.targets} targets")
    links = compute_links(
        corpus,
        top_k=top_k,
        threshold=threshold,
        reuse_threshold=reuse_threshold,
        timings=report.timings,
        executor=executor,
        jobs=jobs,
        scheduler=scheduler,
        chunk=chunk,
    )
    clock = time.perf_counter()
    _write_links(store, links, parent_plan_quads(corpus.hierarchy))
    report.timings["write"] = time.perf_counter() - clock
    counts: Counter[tuple[str, str]] = Counter((x.kind, x.method) for x in links)
    report.counts = dict(sorted(counts.items()))
    report.common_parent = sum(1 for x in links if x.common_parent)
    if progress:
        for (kind, method), n in report.counts.items():
            progress(f"{kind} ({method}): {n}")
    return report
