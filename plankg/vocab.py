"""Controlled vocabularies read from `ontology/` and `data/`: sectors, policy instruments,
canonical indicators, unit types, unit aliases. Code asks this module; it never lists terms.

Parsed with pyoxigraph (a few milliseconds) and cached per process.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

SKOS = "http://www.w3.org/2004/02/skos/core#"
PK = "https://w3id.org/plankg/ontology#"
SCHEMES = {
    "sector": ("sectors.ttl", "https://w3id.org/plankg/sector/"),
    "instrument": ("instruments.ttl", "https://w3id.org/plankg/instrument/"),
    "indicator": ("indicators.ttl", "https://w3id.org/plankg/indicator/"),
    "unit_type": ("unit-types.ttl", "https://w3id.org/plankg/unit-type/"),
}
_UNIT_BRACKETS = re.compile(r"[（(][^（）()]*[）)]\s*$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Concept:
    """A SKOS concept with its labels; `alt` holds the Chinese keywords or name variants."""

    iri: str
    local: str
    pref_zh: str
    pref_en: str
    alt: tuple[str, ...] = ()
    default_unit: str | None = None

    @property
    def labels_zh(self) -> tuple[str, ...]:
        return (self.pref_zh, *self.alt) if self.pref_zh else self.alt


@dataclass(frozen=True)
class UnitAlias:
    canonical: str
    unit_type: str


@dataclass
class Vocabulary:
    """All controlled vocabularies of plankg."""

    schemes: dict[str, dict[str, Concept]]
    unit_aliases: dict[str, UnitAlias]
    _indicator_labels: list[tuple[str, Concept]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        labels = {
            (_norm(label), c) for c in self.schemes["indicator"].values() for label in c.labels_zh
        }
        # longest first; then by label and concept, so that ties never depend on set order
        self._indicator_labels = sorted(labels, key=lambda lc: (-len(lc[0]), lc[0], lc[1].local))

    def concepts(self, scheme: str) -> dict[str, Concept]:
        return self.schemes[scheme]

    def indicator(self, printed: str) -> Concept | None:
        """The canonical indicator for a printed indicator name: exact label match after the unit
        in brackets and spaces are removed, else the longest label contained in the name."""
        name = _norm(strip_unit(printed))
        if not name:
            return None
        for label, concept in self._indicator_labels:
            if label == name:
                return concept
        best: tuple[int, int, str] | None = None  # (-length, position in the name, label)
        found = None
        for label, concept in self._indicator_labels:
            if best is not None and len(label) < -best[0]:
                break
            if len(label) >= 4 and (at := name.find(label)) >= 0:
                key = (-len(label), at, label)
                if best is None or key < best:
                    best, found = key, concept
        return found  # the longest label in the name; of equal ones, the first printed

    def keywords(self, scheme: str) -> dict[str, str]:
        """Chinese label → concept local name, for keyword matching (longest labels first)."""
        out: dict[str, str] = {}
        for c in self.schemes[scheme].values():
            for label in c.labels_zh:
                out.setdefault(label, c.local)
        return dict(sorted(out.items(), key=lambda kv: -len(kv[0])))


def strip_unit(name: str) -> str:
    """单位地区生产总值能源消费下降率（%） → 单位地区生产总值能源消费下降率"""
    return _UNIT_BRACKETS.sub("", name.strip())


def unit_of(name: str) -> str | None:
    """The unit printed in brackets at the end of an indicator name, if any."""
    m = _UNIT_BRACKETS.search(name.strip())
    return m.group(0).strip()[1:-1].strip() if m else None


def _norm(text: str) -> str:
    return _SPACES.sub("", text).replace("ＧＤＰ", "GDP")


def _load_scheme(filename: str, namespace: str) -> dict[str, Concept]:
    import pyoxigraph as ox

    data = (resources.files("plankg.ontology") / filename).read_bytes()
    props: dict[str, dict[str, list[tuple[str, str | None]]]] = {}
    for triple in ox.parse(data, format=ox.RdfFormat.TURTLE):
        s = triple.subject
        if not isinstance(s, ox.NamedNode) or not s.value.startswith(namespace):
            continue
        o = triple.object
        if isinstance(o, ox.Literal):
            lang = o.language
            props.setdefault(s.value, {}).setdefault(triple.predicate.value, []).append(
                (o.value, lang)
            )
    concepts: dict[str, Concept] = {}
    for iri, p in props.items():
        pref = p.get(SKOS + "prefLabel", [])
        zh = next((v for v, lang in pref if lang and lang.startswith("zh")), "")
        en = next((v for v, lang in pref if lang == "en"), "")
        alt = tuple(v for v, lang in p.get(SKOS + "altLabel", []) if lang and lang.startswith("zh"))
        unit = next((v for v, _ in p.get(PK + "defaultUnit", [])), None)
        local = iri[len(namespace) :]
        concepts[local] = Concept(iri, local, zh, en, alt, unit)
    return concepts


def _load_unit_aliases() -> dict[str, UnitAlias]:
    text = (resources.files("plankg.data") / "unit-aliases.csv").read_text(encoding="utf-8-sig")
    return {
        row["alias"].strip(): UnitAlias(row["canonical"].strip(), row["unit_type"].strip())
        for row in csv.DictReader(text.splitlines())
        if row.get("alias")
    }


@cache
def vocabulary() -> Vocabulary:
    """The vocabularies shipped with plankg, loaded once per process."""
    schemes = {name: _load_scheme(f, ns) for name, (f, ns) in SCHEMES.items()}
    return Vocabulary(schemes, _load_unit_aliases())


@cache
def unit_dimensions() -> dict[str, str]:
    """Printed unit → the quantity it measures, from `data/unit-dimensions.csv`."""
    text = (resources.files("plankg.data") / "unit-dimensions.csv").read_text(encoding="utf-8-sig")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {r["unit"].strip(): r["dimension"].strip() for r in rows if r.get("unit")}
