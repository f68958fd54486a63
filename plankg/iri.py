"""Namespaces and every IRI plankg mints. IRIs are deterministic: the same plan ingested twice
yields the same IRIs, from the plan's slug and character positions or a hash of normalised content.
No blank nodes anywhere in instance data."""

from __future__ import annotations

import hashlib
import re

BASE = "https://w3id.org/plankg/"
PK = BASE + "ontology#"
SECTOR = BASE + "sector/"
INSTRUMENT = BASE + "instrument/"
INDICATOR = BASE + "indicator/"
UNIT_TYPE = BASE + "unit-type/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"

PREFIXES = {
    "pk": PK,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "dcterms": DCTERMS,
    "org": ORG,
    "prov": PROV,
    "skos": SKOS,
    "sector": SECTOR,
    "instrument": INSTRUMENT,
    "indicator": INDICATOR,
    "unittype": UNIT_TYPE,
}

ONTOLOGY_GRAPH = BASE + "graph/ontology"
RUNS_GRAPH = BASE + "graph/runs"
LINKS_GRAPH = BASE + "graph/links"
REVIEWS_GRAPH = BASE + "graph/reviews"
PLAN_GRAPH_PREFIX = BASE + "graph/plan/"

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
_SEGMENT_KIND = {"row": "tableRow"}


def digest(*parts: object, length: int = 12) -> str:
    """A short stable hash of the parts (SHA-256, hex)."""
    joined = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]


def plan_slug(file_stem: str, content: str) -> str:
    """The file's stem when it is a plain ASCII name, else a hash of the plan's text."""
    return file_stem if _SAFE.match(file_stem) else "plan-" + digest(content, length=16)


def plan(slug: str) -> str:
    return f"{BASE}plan/{slug}"


def plan_graph(slug: str) -> str:
    return PLAN_GRAPH_PREFIX + slug


def segment(plan_iri: str, kind: str, start: int) -> str:
    return f"{plan_iri}/segment/{kind}-{start}"


def segment_kind(kind: str) -> str:
    return PK + _SEGMENT_KIND.get(kind, kind)


def record(plan_iri: str, kind: str, start: int, end: int, *key: object) -> str:
    """A record extracted from [start, end) of a plan; `key` tells apart records of one span."""
    suffix = f"-{digest(*key, length=8)}" if key else ""
    return f"{plan_iri}/{kind}/{start}-{end}{suffix}"


def district(code_or_name: str) -> str:
    key = code_or_name if code_or_name.isdigit() else digest(code_or_name)
    return f"{BASE}district/{key}"


def place(code: str | None, name: str) -> str:
    return f"{BASE}place/{code}" if code else f"{BASE}place/{digest(name)}"


def unit(district_key: str, canonical: str) -> str:
    """A unit of one district: the same canonical name in two districts is two units."""
    return f"{BASE}unit/{district_key}/{digest(canonical)}"


def run(started: str) -> str:
    return f"{BASE}run/{digest(started)}"


def concept(namespace: str, local: str) -> str:
    return namespace + local
