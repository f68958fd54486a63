"""Map a document and its extracted records to RDF quads in the plan's own named graph.

One module writes triples (this one); `plankg.iri` mints the IRIs. Literals keep Chinese text
exactly as printed; quantities are xsd:decimal, years and offsets xsd:integer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox

from plankg import iri
from plankg.ingest.document import Document
from plankg.ingest.places import Place, default_gazetteer
from plankg.ingest.records import (
    Measure,
    MoneyAmount,
    PlaceMention,
    Project,
    Source,
    Target,
    UnitMention,
)
from plankg.ingest.segment import Segment

_LEVELS = {
    "district": "districtLevel",
    "county": "districtLevel",
    "municipal": "municipalLevel",
    "provincial": "provincialLevel",
    "regional": "regionalLevel",
    "national": "nationalLevel",
}
_ROLE_PROPERTY = {
    "lead": "leadUnit",
    "responsible": "responsibleUnit",
    "cooperating": "cooperatingUnit",
}
_BINDINGNESS = {"binding": "binding", "expected": "expected"}


def N(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def pk(local: str) -> ox.NamedNode:
    return ox.NamedNode(iri.PK + local)


RDF_TYPE = N(iri.RDF + "type")
RDFS_LABEL = N(iri.RDFS + "label")
XSD_INTEGER = N(iri.XSD + "integer")
XSD_DECIMAL = N(iri.XSD + "decimal")
XSD_BOOLEAN = N(iri.XSD + "boolean")
XSD_DATE = N(iri.XSD + "date")
XSD_DATETIME = N(iri.XSD + "dateTime")


def lit(value: object) -> ox.Literal:
    """A typed literal: str → xsd:string, bool, int, Decimal, date."""
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=XSD_BOOLEAN)
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=XSD_INTEGER)
    if isinstance(value, Decimal):
        return ox.Literal(_decimal(value), datatype=XSD_DECIMAL)
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return ox.Literal(value.isoformat(), datatype=XSD_DATE)  # type: ignore[union-attr]
    return ox.Literal(str(value))


def _decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"


@dataclass
class GraphWriter:
    """Collects quads for one named graph."""

    graph: ox.NamedNode
    quads: list[ox.Quad] = field(default_factory=list)
    # the page of a clean-text offset (PDF and Word plans), written as pk:page on every span
    page_at: Callable[[int], int | None] | None = None

    def add(self, s: str | ox.NamedNode, p: ox.NamedNode, o: object) -> None:
        if o is None or o == "":
            return
        subject = s if isinstance(s, ox.NamedNode) else N(s)
        obj = o if isinstance(o, ox.NamedNode | ox.Literal) else lit(o)
        self.quads.append(ox.Quad(subject, p, obj, self.graph))


@dataclass(frozen=True)
class PlanGraph:
    """The RDF of one plan, ready to replace its named graph in a store."""

    slug: str
    plan_iri: str
    graph_iri: str
    source_file: str
    quads: tuple[ox.Quad, ...]
    counts: dict[str, int]


def map_document(
    doc: Document,
    *,
    measures: Iterable[Measure] = (),
    targets: Iterable[Target] = (),
    projects: Iterable[Project] = (),
    money: Iterable[MoneyAmount] = (),
) -> PlanGraph:
    """All quads of one plan: the plan, its segments, and every extracted record."""
    slug = iri.plan_slug(doc.path.stem, doc.text)
    plan_iri = iri.plan(slug)
    w = GraphWriter(N(iri.plan_graph(slug)), page_at=getattr(doc, "page_at", None))
    district_key = _write_plan(w, doc, plan_iri)
    _write_segments(w, doc, plan_iri)
    counts = {"measures": 0, "targets": 0, "projects": 0, "units": 0, "places": 0}
    units: set[str] = set()
    measures = list(measures)
    measure_flags = _measure_flags(measures)
    for m in measures:
        subject = iri.record(plan_iri, "measure", m.source.start, m.source.end)
        _write_record(w, subject, "Measure", plan_iri, m.source)
        w.add(subject, pk("number"), m.number)
        w.add(subject, RDFS_LABEL, ox.Literal(m.label, language="zh") if m.label else None)
        for s in m.sectors:
            w.add(subject, pk("sector"), N(iri.SECTOR + s))
        for t in m.instrument_types:
            w.add(subject, pk("instrumentType"), N(iri.INSTRUMENT + t))
        for k in m.keywords:
            w.add(subject, pk("keyword"), k)
        _write_units(w, subject, m.units, district_key, units)
        for flag in measure_flags.get(id(m), ()):
            w.add(subject, pk("flag"), pk(flag))
        counts["flagged"] = counts.get("flagged", 0) + bool(measure_flags.get(id(m)))
        for p in m.places:
            _write_place(w, subject, plan_iri, p, doc)
            counts["places"] += 1
        counts["measures"] += 1
    for t in targets:
        subject = iri.record(
            plan_iri,
            "target",
            t.source.start,
            t.source.end,
            t.indicator_as_printed,
            t.target_year,
            t.value_as_printed,
            t.comparator,
        )
        _write_record(w, subject, "Target", plan_iri, t.source)
        if t.indicator:
            w.add(subject, pk("indicator"), N(iri.INDICATOR + t.indicator))
        w.add(subject, pk("indicatorAsPrinted"), t.indicator_as_printed)
        w.add(subject, pk("unitOfMeasure"), t.unit)
        w.add(subject, pk("value"), t.value)
        w.add(subject, pk("valueAsPrinted"), t.value_as_printed or "")
        w.add(subject, pk("comparator"), t.comparator)
        w.add(subject, pk("targetYear"), t.target_year)
        w.add(subject, pk("baselineValue"), t.baseline_value)
        w.add(subject, pk("baselineYear"), t.baseline_year)
        if t.bindingness in _BINDINGNESS:
            w.add(subject, pk("bindingness"), pk(_BINDINGNESS[t.bindingness]))
        w.add(subject, pk("setByHigherLevel"), t.set_by_higher_level)
        w.add(subject, pk("cumulative"), t.cumulative)
        _write_target_meaning(w, subject, t)
        counts["flagged"] = counts.get("flagged", 0) + bool(t.flags)
        counts["targets"] += 1
    for p in projects:
        subject = iri.record(plan_iri, "project", p.source.start, p.source.end, p.name, p.content)
        _write_record(w, subject, "Project", plan_iri, p.source)
        w.add(subject, pk("nameAsPrinted"), p.name)
        w.add(subject, RDFS_LABEL, ox.Literal(p.name, language="zh"))
        w.add(subject, pk("content"), p.content)
        w.add(subject, pk("investmentYuan"), p.investment_yuan)
        w.add(subject, pk("investmentAsPrinted"), p.investment_as_printed)
        w.add(subject, pk("periodStart"), p.period_start)
        w.add(subject, pk("periodEnd"), p.period_end)
        for s in p.sectors:
            w.add(subject, pk("sector"), N(iri.SECTOR + s))
        _write_units(w, subject, p.lead_units, district_key, units)
        counts["projects"] += 1
    counts["money"] = 0
    for a in money:
        _write_money(w, plan_iri, a)
        counts["money"] += 1
    counts.setdefault("flagged", 0)
    counts["units"] = len(units)
    return PlanGraph(slug, plan_iri, w.graph.value, str(doc.path), tuple(w.quads), counts)


def _write_plan(w: GraphWriter, doc: Document, plan_iri: str) -> str:
    """The plan resource and its district; returns the key that unit IRIs are minted under."""
    meta = doc.metadata
    w.add(plan_iri, RDF_TYPE, pk("Plan"))
    w.add(plan_iri, N(iri.DCTERMS + "title"), meta.title or doc.path.stem)
    w.add(plan_iri, N(iri.DCTERMS + "identifier"), meta.doc_number)
    w.add(plan_iri, N(iri.DCTERMS + "issued"), meta.issued)
    w.add(plan_iri, pk("level"), pk(_LEVELS.get(meta.level, "districtLevel")))
    w.add(plan_iri, pk("periodStart"), meta.period_start)
    w.add(plan_iri, pk("periodEnd"), meta.period_end)
    w.add(plan_iri, pk("sourceFile"), doc.path.name)
    w.add(plan_iri, pk("contentHash"), hashlib.sha256(doc.raw.text.encode("utf-8")).hexdigest())
    if meta.issuer:
        publisher = iri.BASE + "org/" + iri.digest(meta.issuer)
        w.add(plan_iri, N(iri.DCTERMS + "publisher"), N(publisher))
        w.add(publisher, RDF_TYPE, N(iri.ORG + "Organization"))
        w.add(publisher, RDFS_LABEL, ox.Literal(meta.issuer, language="zh"))
    district_key = (
        meta.district_code or (meta.district or "") or iri.digest(meta.issuer or doc.path.stem)
    )
    if meta.district:
        district = iri.district(meta.district_code or meta.district)
        w.add(plan_iri, pk("district"), N(district))
        w.add(district, RDF_TYPE, pk("District"))
        w.add(district, RDFS_LABEL, ox.Literal(meta.district, language="zh"))
        place = default_gazetteer().get(meta.district)
        english = getattr(place, "en", "") if place else ""
        w.add(district, RDFS_LABEL, ox.Literal(english or meta.district, language="en"))
        w.add(district, pk("adminCode"), meta.district_code)
    _write_jurisdictions(w, plan_iri, meta.jurisdictions)
    for title in cited_titles(doc.text):
        w.add(plan_iri, pk("citesTitle"), title)
    return district_key


def cited_titles(text: str) -> list[str]:
    """The titles of documents a plan cites (《…》 that end with a kind of document), once each,
    whitespace removed: a joint regional plan is a parent of the plans that cite it."""
    from plankg.ingest.metadata import _DOC_KIND

    out: dict[str, None] = {}
    for m in _CITED.finditer(text):
        title = "".join(m.group(1).split())
        if _DOC_KIND.search(title):
            out.setdefault(title, None)
    return list(out)


_CITED = re.compile(r"《([^《》]{4,120})》")


# --- jurisdictions of every level (issue 10) --------------------------------------------------

_JURISDICTION_LEVEL = {
    "province": "provinceJurisdiction",
    "city": "cityJurisdiction",
    "district": "districtJurisdiction",
    "county": "countyJurisdiction",
    "newArea": "newAreaJurisdiction",
    "developmentZone": "developmentZoneJurisdiction",
    "region": "regionJurisdiction",
}


def jurisdiction_iri(place: Place) -> str:
    """The IRI of a jurisdiction: the same as pk:district's for a county-level one (by code)."""
    return iri.district(place.code or place.name)


def _write_jurisdictions(w: GraphWriter, plan_iri: str, keys: Iterable[str]) -> None:
    """pk:jurisdiction of the plan, and each jurisdiction with its level, code, labels, the
    chain of parents up to the province and, for a region, its members: the hierarchy that
    parent plans follow travels with the plan's graph."""
    gazetteer = default_gazetteer()
    done: set[str] = set()

    def describe(place: Place, depth: int = 0) -> str:
        node = jurisdiction_iri(place)
        if node in done or depth > 8:
            return node
        done.add(node)
        w.add(node, RDF_TYPE, pk("Jurisdiction"))
        w.add(node, RDFS_LABEL, ox.Literal(place.name, language="zh"))
        if place.en:
            w.add(node, RDFS_LABEL, ox.Literal(place.en, language="en"))
        w.add(node, pk("adminCode"), place.code if place.code and len(place.code) == 6 else None)
        w.add(
            node,
            pk("jurisdictionLevel"),
            pk(_JURISDICTION_LEVEL.get(place.jurisdiction_level, "regionJurisdiction")),
        )
        parent = gazetteer.parent_of(place)
        if parent is not None and place.type != "region_initiative":
            w.add(node, pk("parentJurisdiction"), N(describe(parent, depth + 1)))
        for member in gazetteer.members_of(place):
            w.add(node, pk("memberJurisdiction"), N(describe(member, depth + 1)))
        return node

    for key in keys:
        place = gazetteer.by_code(key) or gazetteer.get(key) or _zone(key)
        if place is not None:
            w.add(plan_iri, pk("jurisdiction"), N(describe(place)))


def _zone(key: str) -> Place | None:
    """A development zone or new area the gazetteer does not list (广州开发区): its parent is
    the place its name opens with."""
    from plankg.ingest.metadata import zone_place

    return zone_place(key)


def _write_segments(w: GraphWriter, doc: Document, plan_iri: str) -> None:
    def visit(seg: Segment, parent: str, depth: int) -> None:
        subject = iri.segment(plan_iri, seg.kind, seg.start)
        w.add(subject, RDF_TYPE, pk("Segment"))
        w.add(subject, pk("plan"), N(plan_iri))
        w.add(subject, N(iri.DCTERMS + "isPartOf"), N(parent))
        w.add(subject, pk("segmentKind"), N(iri.segment_kind(seg.kind)))
        w.add(subject, pk("beginIndex"), seg.start)
        w.add(subject, pk("endIndex"), seg.end)
        w.add(subject, pk("page"), getattr(seg, "page", None))
        w.add(subject, pk("text"), seg.text(doc.text))
        w.add(subject, pk("number"), seg.number)
        w.add(subject, pk("heading"), seg.heading)
        w.add(subject, pk("depth"), depth)
        for child in seg.children:
            visit(child, subject, depth + 1)

    for top in doc.outline.children:
        visit(top, plan_iri, 1)


def _write_record(w: GraphWriter, subject: str, cls: str, plan_iri: str, source: Source) -> None:
    w.add(subject, RDF_TYPE, pk(cls))
    w.add(subject, pk("plan"), N(plan_iri))
    w.add(
        subject, pk("segment"), N(iri.segment(plan_iri, source.segment.kind, source.segment.start))
    )
    w.add(subject, pk("beginIndex"), source.start)
    w.add(subject, pk("endIndex"), source.end)
    w.add(subject, pk("quote"), source.quote)
    w.add(subject, pk("page"), w.page_at(source.start) if w.page_at else None)


def _write_units(
    w: GraphWriter, subject: str, mentions: Iterable[UnitMention], district_key: str, seen: set[str]
) -> None:
    for u in mentions:
        canonical = u.canonical or u.name_as_printed
        unit = iri.unit(district_key, canonical)
        w.add(subject, pk(_ROLE_PROPERTY[u.role]), N(unit))
        if u.open_list:
            w.add(subject, pk("openList"), True)
        w.add(unit, RDF_TYPE, pk("Unit"))
        w.add(unit, pk("canonicalName"), canonical)
        w.add(unit, pk("nameAsPrinted"), u.name_as_printed)
        w.add(unit, pk("unitType"), N(iri.UNIT_TYPE + (u.unit_type or "other")))
        w.add(unit, RDFS_LABEL, ox.Literal(u.name_as_printed, language="zh"))
        seen.add(unit)


def _write_place(
    w: GraphWriter, measure: str, plan_iri: str, p: PlaceMention, doc: Document
) -> None:
    place = iri.place(p.code, p.name)
    w.add(measure, pk("mentionsPlace"), N(place))
    w.add(place, RDF_TYPE, pk("Place"))
    w.add(place, RDFS_LABEL, ox.Literal(p.name, language="zh"))
    w.add(place, pk("adminCode"), p.code if p.code and len(p.code) == 6 else None)
    mention = iri.record(plan_iri, "place", p.source.start, p.source.end)
    _write_record(w, mention, "PlaceMention", plan_iri, p.source)
    w.add(mention, pk("nameAsPrinted"), p.surface)
    w.add(mention, pk("place"), N(place))
    w.add(mention, pk("mentionedIn"), N(measure))
    w.add(
        mention,
        pk("crossBorder"),
        is_cross_border(p.name, doc.metadata.district, doc.metadata.jurisdictions, p.code),
    )


def is_cross_border(
    name: str, own_district: str | None, jurisdictions: Iterable[str] = (), code: str | None = None
) -> bool:
    """A place outside the plan's own jurisdiction is cross-border: not the jurisdiction, not
    above it (its city, province), not inside it (a city plan naming its own district). A plan
    without a known jurisdiction has no border."""
    gazetteer = default_gazetteer()
    keys = list(jurisdictions)
    if not keys and own_district:
        own = gazetteer.get(own_district)
        keys = [own.key] if own else []
    if not keys:
        return False
    place = (gazetteer.by_code(code) if code else None) or gazetteer.get(name)
    if place is None:
        return True
    roots: set[str] = set()  # the plan's jurisdictions (a region's members too)
    above: set[str] = set()  # and the places above them
    for key in keys:
        own = gazetteer.by_code(key) or gazetteer.get(key)
        if own is None:
            continue
        for area in (own, *gazetteer.members_of(own)):
            roots.add(area.key)
            above |= {a.key for a in gazetteer.ancestors(area)}
    if place.type == "region_initiative":
        # a cooperation zone: a partnership even when the plan's area is a member of it
        return place.key not in roots
    inside = place.key in roots or any(a.key in roots for a in gazetteer.ancestors(place))
    return not inside and place.key not in above


# --------------------------------------------------------------------------------------------
# Issue 10: value meaning, money and flags (additive)

_MONEY_PURPOSE = {
    "investment": "investment",
    "subsidy": "subsidy",
    "award": "award",
    "fund": "fund",
    "other": "otherMoney",
}


def _write_target_meaning(w: GraphWriter, subject: str, t: Target) -> None:
    """pk:change, pk:valueMeaning and the flags of a target."""
    if t.change in ("decrease", "increase"):
        w.add(subject, pk("change"), pk(t.change))
    if t.value_meaning:
        w.add(subject, pk("valueMeaning"), pk(t.value_meaning))
    for flag in t.flags:
        w.add(subject, pk("flag"), pk(flag))


def _write_money(w: GraphWriter, plan_iri: str, a: MoneyAmount) -> None:
    subject = iri.record(
        plan_iri, "money", a.source.start, a.source.end, a.value_as_printed, a.unit_as_printed
    )
    _write_record(w, subject, "MoneyAmount", plan_iri, a.source)
    w.add(subject, pk("amountYuan"), a.amount_yuan)
    w.add(subject, pk("amountAsPrinted"), a.value_as_printed)
    w.add(subject, pk("moneyUnit"), a.unit_as_printed)
    w.add(subject, pk("moneyPurpose"), pk(_MONEY_PURPOSE.get(a.purpose, "otherMoney")))
    w.add(subject, pk("cap"), a.cap)
    w.add(subject, pk("perUnit"), a.per)


def _measure_flags(measures: list[Measure]) -> dict[int, tuple[str, ...]]:
    """Flags of measures: a printed unit list attached to several measures (sharedUnitList),
    one unit both lead and cooperating on a measure (conflictingRoles)."""
    holders: dict[tuple[int, int], set[int]] = {}
    for m in measures:
        for u in m.units:
            holders.setdefault((u.source.start, u.source.end), set()).add(id(m))
    out: dict[int, tuple[str, ...]] = {}
    for m in measures:
        flags = []
        if any(len(holders[(u.source.start, u.source.end)]) > 1 for u in m.units):
            flags.append("sharedUnitList")
        roles: dict[str, set[str]] = {}
        for u in m.units:
            roles.setdefault(u.canonical or u.name_as_printed, set()).add(u.role)
        if any({"lead", "cooperating"} <= r for r in roles.values()):
            flags.append("conflictingRoles")
        if flags:
            out[id(m)] = tuple(flags)
    return out
