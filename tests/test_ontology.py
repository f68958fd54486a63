"""Checks on the ontology, the SKOS vocabularies, the SHACL shapes and the unit alias table.

These files are data that the extractor and the mapper read; the tests pin the promises the
code relies on (bilingual labels, one concept per indicator, aliases that resolve to declared
unit types, shapes that only use declared properties).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, SKOS

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
UNIT_ALIASES = ROOT / "data" / "unit-aliases.csv"

PK = Namespace("https://w3id.org/plankg/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
# A plain Namespace: rdflib's closed XSD namespace warns when pytest probes module attributes.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SECTOR_SCHEME = URIRef("https://w3id.org/plankg/sector")
INSTRUMENT_SCHEME = URIRef("https://w3id.org/plankg/instrument")
INDICATOR_SCHEME = URIRef("https://w3id.org/plankg/indicator")
UNIT_TYPE_SCHEME = URIRef("https://w3id.org/plankg/unit-type")
UNIT_TYPE_NS = "https://w3id.org/plankg/unit-type/"

TTL_FILES = sorted(ONTOLOGY.glob("*.ttl"))

# Terms the rest of plankg writes or queries; renaming one must be a deliberate change here.
REQUIRED_CLASSES = [
    "Plan", "District", "Segment", "Measure", "Target", "Unit", "Project",
    "PlaceMention", "Place", "Link", "Review", "IngestRun",
]  # fmt: skip
REQUIRED_PROPERTIES = [
    "district", "periodStart", "periodEnd", "level", "text", "beginIndex", "endIndex",
    "quote", "number", "sector", "instrumentType", "leadUnit", "responsibleUnit",
    "cooperatingUnit", "openList", "mentionsPlace", "indicator", "indicatorAsPrinted",
    "value", "valueAsPrinted", "comparator", "unitOfMeasure", "targetYear",
    "baselineValue", "baselineYear", "bindingness", "setByHigherLevel", "cumulative",
    "canonicalName", "nameAsPrinted", "unitType", "investmentYuan", "investmentAsPrinted",
    "content", "keyword", "linkSource", "linkTarget", "score", "method", "reviewStatus",
    "commonParent", "segmentKind", "segment", "defaultUnit",
]  # fmt: skip

ENERGY_INTENSITY_VARIANTS = [
    "单位地区生产总值能源消费下降率",
    "单位地区生产总值能源消耗下降",
    "单位GDP能源消耗降低",
]
# A unit in brackets at the end of a label, e.g. 森林覆盖率（%）; the extractor strips these.
UNIT_BRACKETS = re.compile(r"[（(][^）)]*[）)]$")


def _parse(name: str) -> Graph:
    return Graph().parse(ONTOLOGY / name, format="turtle")


@pytest.fixture(scope="module")
def core() -> Graph:
    return _parse("plankg.ttl")


@pytest.fixture(scope="module")
def sectors() -> Graph:
    return _parse("sectors.ttl")


@pytest.fixture(scope="module")
def indicators() -> Graph:
    return _parse("indicators.ttl")


@pytest.fixture(scope="module")
def unit_types() -> Graph:
    return _parse("unit-types.ttl")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return _parse("shapes.ttl")


def _langs(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str | None]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


def _concepts(graph: Graph, scheme: URIRef) -> set[URIRef]:
    return {s for s in graph.subjects(SKOS.inScheme, scheme) if isinstance(s, URIRef)}


def _zh_labels(graph: Graph, concept: URIRef) -> list[str]:
    return [
        str(o)
        for p in (SKOS.prefLabel, SKOS.altLabel)
        for o in graph.objects(concept, p)
        if isinstance(o, Literal) and o.language == "zh"
    ]


def test_all_vocabulary_files_present() -> None:
    names = {p.name for p in TTL_FILES}
    expected = {"plankg.ttl", "sectors.ttl", "instruments.ttl", "indicators.ttl"}
    assert expected | {"unit-types.ttl", "shapes.ttl"} <= names


@pytest.mark.parametrize("path", TTL_FILES, ids=lambda p: p.name)
def test_turtle_parses(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    assert len(graph) > 20, f"{path.name} parsed to only {len(graph)} triples"


def test_required_terms_declared(core: Graph) -> None:
    classes = set(core.subjects(RDF.type, OWL.Class))
    properties = set(core.subjects(RDF.type, OWL.ObjectProperty)) | set(
        core.subjects(RDF.type, OWL.DatatypeProperty)
    )
    missing = [c for c in REQUIRED_CLASSES if PK[c] not in classes]
    missing += [p for p in REQUIRED_PROPERTIES if PK[p] not in properties]
    assert not missing, f"not declared in plankg.ttl: {missing}"


def test_core_terms_bilingual_and_defined(core: Graph) -> None:
    terms = {
        s
        for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in core.subjects(RDF.type, t)
        if isinstance(s, URIRef) and str(s).startswith(str(PK))
    }
    assert len(terms) >= len(REQUIRED_CLASSES) + len(REQUIRED_PROPERTIES)
    problems = []
    for term in sorted(terms):
        langs = _langs(core, term, RDFS.label)
        if not {"zh", "en"} <= langs:
            problems.append(f"{term}: rdfs:label languages {langs}")
        defs = _langs(core, term, SKOS.definition) | _langs(core, term, RDFS.comment)
        if "en" not in defs:
            problems.append(f"{term}: no English skos:definition or rdfs:comment")
    assert not problems, "\n".join(problems)


def test_reused_vocabularies(core: Graph) -> None:
    assert (PK.Unit, RDFS.subClassOf, ORG.Organization) in core
    assert (PK.IngestRun, RDFS.subClassOf, PROV.Activity) in core
    assert (PK.segment, RDFS.subPropertyOf, PROV.wasDerivedFrom) in core
    assert (PK.value, RDFS.range, XSD.decimal) in core
    assert (PK.targetYear, RDFS.range, XSD.integer) in core


def test_sectors(sectors: Graph) -> None:
    concepts = _concepts(sectors, SECTOR_SCHEME)
    assert len(concepts) >= 15
    problems = []
    owner: dict[str, set[URIRef]] = defaultdict(set)
    for c in sorted(concepts):
        if not str(c).startswith("https://w3id.org/plankg/sector/"):
            problems.append(f"{c}: not in the sector namespace")
        if not {"zh", "en"} <= _langs(sectors, c, SKOS.prefLabel):
            problems.append(f"{c}: needs zh and en skos:prefLabel")
        alts = [o for o in sectors.objects(c, SKOS.altLabel) if o.language == "zh"]
        if len(alts) < 3:
            problems.append(f"{c}: only {len(alts)} Chinese altLabels")
        for a in alts:
            owner[str(a)].add(c)
    problems += [f"keyword {k} in several sectors" for k, cs in owner.items() if len(cs) > 1]
    assert not problems, "\n".join(problems)
    for keyword in ("光伏", "页岩气", "充电桩", "装配式", "碳汇", "湿地"):
        assert keyword in owner, f"sector keyword {keyword} missing"


def test_instrument_types_cite_their_typology() -> None:
    graph = _parse("instruments.ttl")
    concepts = _concepts(graph, INSTRUMENT_SCHEME)
    assert len(concepts) == 3
    for c in concepts:
        assert {"zh", "en"} <= _langs(graph, c, SKOS.prefLabel)
        assert len(list(graph.objects(c, SKOS.altLabel))) >= 10
    sources = " ".join(str(o) for o in graph.objects(INSTRUMENT_SCHEME, DCTERMS.source))
    assert "Vedung" in sources and "Jordan" in sources


def test_energy_intensity_variants_are_one_indicator(indicators: Graph) -> None:
    found = set()
    for variant in ENERGY_INTENSITY_VARIANTS:
        hits = {
            s
            for p in (SKOS.prefLabel, SKOS.altLabel)
            for s in indicators.subjects(p, Literal(variant, lang="zh"))
        }
        assert len(hits) == 1, f"{variant} labels {len(hits)} indicators"
        found |= hits
    assert len(found) == 1, f"variants split over {found}"


def test_indicator_labels_unique_and_without_units(indicators: Graph) -> None:
    concepts = _concepts(indicators, INDICATOR_SCHEME)
    assert len(concepts) >= 60
    owner: dict[str, set[URIRef]] = defaultdict(set)
    problems = []
    for c in concepts:
        if not {"zh", "en"} <= _langs(indicators, c, SKOS.prefLabel):
            problems.append(f"{c}: needs zh and en skos:prefLabel")
        for label in _zh_labels(indicators, c):
            owner[label].add(c)
            if UNIT_BRACKETS.search(label):
                problems.append(f"{c}: label {label} ends with a bracketed unit")
    problems += [f"{k} labels {sorted(cs)}" for k, cs in owner.items() if len(cs) > 1]
    assert not problems, "\n".join(problems)
    for name in ("森林蓄积量", "森林覆盖率", "空气质量优良天数比例", "细颗粒物年均浓度"):
        assert name in owner, f"indicator {name} missing"


def test_unit_aliases_resolve_to_unit_types(unit_types: Graph) -> None:
    declared = {str(c) for c in _concepts(unit_types, UNIT_TYPE_SCHEME)}
    for c in declared:
        assert {"zh", "en"} <= _langs(unit_types, URIRef(c), SKOS.prefLabel), c
    with UNIT_ALIASES.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["canonical", "alias", "unit_type"]
        rows = list(reader)
    assert len(rows) >= 100
    canonical_of: dict[str, str] = {}
    problems = []
    for n, row in enumerate(rows, start=2):
        if UNIT_TYPE_NS + row["unit_type"] not in declared:
            problems.append(f"line {n}: unit_type {row['unit_type']!r} not in unit-types.ttl")
        if not row["canonical"] or not row["alias"]:
            problems.append(f"line {n}: empty name")
        previous = canonical_of.setdefault(row["alias"], row["canonical"])
        if previous != row["canonical"]:
            problems.append(f"line {n}: {row['alias']} -> {previous} and {row['canonical']}")
    assert not problems, "\n".join(problems)
    assert canonical_of["发改委"] == canonical_of["发展改革委"] == "发展和改革委员会"
    assert canonical_of["经济信息局"] == "经济和信息化委员会"
    assert "各镇街" in canonical_of


def test_shapes_use_only_declared_properties(core: Graph, shapes: Graph) -> None:
    declared = set(core.subjects(RDF.type, OWL.ObjectProperty)) | set(
        core.subjects(RDF.type, OWL.DatatypeProperty)
    )
    paths = {p for p in shapes.objects(None, SH.path) if str(p).startswith(str(PK))}
    assert len(paths) >= 30
    assert not sorted(paths - declared), f"undeclared: {sorted(paths - declared)}"
    enumerated = {
        node
        for lst in shapes.objects(None, SH["in"])
        for node in shapes.items(lst)
        if isinstance(node, URIRef)
    }
    concepts = set(core.subjects(RDF.type, SKOS.Concept))
    assert enumerated, "no IRIs in any sh:in list"
    assert enumerated <= concepts, f"sh:in values not declared: {enumerated - concepts}"


def _target_graph(comparator: str, bindingness: URIRef) -> Graph:
    """A minimal plan with one segment and one target, written as the mapper would."""
    g = Graph()
    ex = Namespace("https://w3id.org/plankg/id/test/")
    g.add((ex.plan, RDF.type, PK.Plan))
    g.add((ex.plan, DCTERMS.title, Literal("测试规划")))
    g.add((ex.plan, PK.level, PK.districtLevel))
    g.add((ex.plan, PK.sourceFile, Literal("test.txt")))
    g.add((ex.seg, RDF.type, PK.Segment))
    g.add((ex.seg, PK.plan, ex.plan))
    g.add((ex.seg, DCTERMS.isPartOf, ex.plan))
    g.add((ex.seg, PK.segmentKind, PK.paragraph))
    g.add((ex.seg, PK.beginIndex, Literal(0)))
    g.add((ex.seg, PK.endIndex, Literal(20)))
    g.add((ex.seg, PK.text, Literal("到2025年，森林覆盖率不低于38%。")))
    g.add((ex.t, RDF.type, PK.Target))
    g.add((ex.t, PK.plan, ex.plan))
    g.add((ex.t, PK.segment, ex.seg))
    g.add((ex.t, PK.beginIndex, Literal(6)))
    g.add((ex.t, PK.endIndex, Literal(18)))
    g.add((ex.t, PK.quote, Literal("森林覆盖率不低于38%")))
    g.add((ex.t, PK.indicatorAsPrinted, Literal("森林覆盖率")))
    g.add((ex.t, PK.value, Literal(Decimal("38"))))
    g.add((ex.t, PK.valueAsPrinted, Literal("不低于38%")))
    g.add((ex.t, PK.comparator, Literal(comparator)))
    g.add((ex.t, PK.targetYear, Literal(2025)))
    g.add((ex.t, PK.bindingness, bindingness))
    return g


def test_shapes_accept_valid_and_reject_invalid_target(shapes: Graph) -> None:
    ok, _, report = validate(_target_graph("≥", PK.binding), shacl_graph=shapes)
    assert ok, report
    bad_comparator, _, _ = validate(_target_graph("不低于", PK.binding), shacl_graph=shapes)
    assert not bad_comparator
    bad_binding, _, _ = validate(_target_graph("≥", PK.Target), shacl_graph=shapes)
    assert not bad_binding
