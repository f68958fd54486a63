"""Facts: the extracted records of one plan as labelled character spans.

The ingest extractors (`ingest/extract_*.py`) yield records; this module turns the records of
one `Document` into flat `Fact`s — a label, a span of the cleaned text, a stable id and the few
attributes a reader needs beside the span — for the spaCy components (`plankg.nlp`), the
evidence page (`plankg.evidence`) and the annotation round trip (`plankg.spans`). It calls the
very functions that ingest calls, so a span shown here is a fact stored in the graph.

Fact ids are the local names of the records' IRIs (`plankg.iri.record`) with "/" turned into
"-": `target-1234-1260-ab12cd34` is `<…/plan/SLUG/target/1234-1260-ab12cd34>`. Unit mentions
and place mentions are minted the same way (`lead-100-106`, `place-300-302`); a project's
investment is anchored under the project's id.

No spaCy here: ingest and `plankg query` never import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from plankg import iri
from plankg.ingest.document import Document
from plankg.ingest.records import Measure, Project, Target, UnitMention

# The labels of facts, in the order legends and exports list them.
LABELS = ("measure", "target", "lead", "responsible", "cooperating", "place", "money")
# Which extractor each group of labels comes from (one spaCy component per group).
GROUPS: dict[str, tuple[str, ...]] = {
    "measures": ("measure",),
    "targets": ("target",),
    "units": ("lead", "responsible", "cooperating"),
    "places": ("place",),
    "money": ("money",),
}


# The attributes a fact may carry besides its span and label (flags apart), in display order.
ATTRIBUTES = (
    "indicator",
    "indicator_as_printed",
    "value",
    "comparator",
    "unit_of_measure",
    "year",
    "role",
    "canonical_unit",
    "unit_type",
    "place",
    "yuan",
)


@dataclass(frozen=True)
class Fact:
    """One extracted fact as a span of the cleaned text [start, end)."""

    id: str  # stable anchor: the local name of the record's IRI, e.g. target-120-160-1a2b3c4d
    label: str  # one of LABELS
    start: int
    end: int
    quote: str  # text[start:end], exactly as printed
    indicator: str | None = None  # targets: canonical indicator concept (local name)
    indicator_as_printed: str | None = None
    value: Decimal | None = None  # targets: the target value
    comparator: str | None = None
    unit_of_measure: str | None = None  # targets: %, 万吨, … as printed
    year: int | None = None  # targets: the target year
    role: str | None = None  # units: lead | responsible | cooperating
    canonical_unit: str | None = None  # units: canonical name ("" when unknown)
    unit_type: str | None = None
    place: str | None = None  # places: the gazetteer name
    yuan: Decimal | None = None  # money: the investment in yuan
    flags: tuple[str, ...] = field(default=())  # why a reviewer should look at it

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    def attributes(self) -> dict[str, object]:
        """The attributes that are set, for JSON and HTML titles (Decimals as strings)."""
        out: dict[str, object] = {}
        for name in ATTRIBUTES:
            v = getattr(self, name)
            if v is not None and v != "":
                out[name] = str(v) if isinstance(v, Decimal) else v
        if self.flags:
            out["flags"] = list(self.flags)
        return out


def plan_iri(doc: Document) -> str:
    """The plan's IRI as ingest mints it (from the file stem, or a hash of the text)."""
    return iri.plan(iri.plan_slug(doc.path.stem, doc.text))


def fact_id(plan: str, record_iri: str) -> str:
    """The local name of a record IRI under its plan: `<plan>/target/1-9-ab` → target-1-9-ab."""
    return record_iri.removeprefix(plan + "/").replace("/", "-")


def evidence_path(record_iri: str) -> str | None:
    """Where a record is shown: `/evidence/SLUG.html#FACT` for the IRI of a measure, target,
    project or place mention (for links from query results, review sheets and exports); None
    for IRIs that are not records of a plan."""
    prefix = iri.BASE + "plan/"
    if not record_iri.startswith(prefix):
        return None
    slug, sep, rest = record_iri.removeprefix(prefix).partition("/")
    if not sep or "/" not in rest:
        return None
    return f"/evidence/{slug}.html#{rest.replace('/', '-')}"


# -- one function per extractor ----------------------------------------------------------------
def measure_facts(doc: Document, measures: Iterable[Measure]) -> Iterator[Fact]:
    plan = plan_iri(doc)
    for m in measures:
        s = m.source
        yield Fact(
            fact_id(plan, iri.record(plan, "measure", s.start, s.end)),
            "measure",
            s.start,
            s.end,
            s.quote,
        )


def place_facts(doc: Document, measures: Iterable[Measure]) -> Iterator[Fact]:
    """Places named in measures (what ingest stores as pk:PlaceMention)."""
    plan = plan_iri(doc)
    seen: set[tuple[int, int]] = set()
    for m in measures:
        for p in m.places:
            s = p.source
            if (s.start, s.end) in seen:
                continue
            seen.add((s.start, s.end))
            yield Fact(
                fact_id(plan, iri.record(plan, "place", s.start, s.end)),
                "place",
                s.start,
                s.end,
                s.quote,
                place=p.name,
            )


def target_facts(doc: Document, targets: Iterable[Target]) -> Iterator[Fact]:
    plan = plan_iri(doc)
    for t in targets:
        s = t.source
        record = iri.record(
            plan,
            "target",
            s.start,
            s.end,
            t.indicator_as_printed,
            t.target_year,
            t.value_as_printed,
            t.comparator,
        )
        flags = []
        if not t.indicator:
            flags.append("no-canonical-indicator")
        if t.target_year is None:
            flags.append("no-year")
        if t.value is None and not t.set_by_higher_level:
            flags.append("no-value")
        yield Fact(
            fact_id(plan, record),
            "target",
            s.start,
            s.end,
            s.quote,
            indicator=t.indicator,
            indicator_as_printed=t.indicator_as_printed,
            value=t.value,
            comparator=t.comparator,
            unit_of_measure=t.unit,
            year=t.target_year,
            flags=tuple(flags),
        )


def unit_facts(doc: Document, mentions: Iterable[UnitMention]) -> Iterator[Fact]:
    """Unit mentions with their roles; one fact per role and span."""
    plan = plan_iri(doc)
    seen: set[tuple[str, int, int]] = set()
    for u in mentions:
        s = u.source
        if s.start < 0 or (u.role, s.start, s.end) in seen:
            continue
        seen.add((u.role, s.start, s.end))
        flags = () if u.canonical else ("unknown-unit",)
        yield Fact(
            fact_id(plan, iri.record(plan, u.role, s.start, s.end)),
            u.role,
            s.start,
            s.end,
            s.quote,
            role=u.role,
            canonical_unit=u.canonical,
            unit_type=u.unit_type,
            flags=flags,
        )


def money_facts(doc: Document, projects: Iterable[Project]) -> Iterator[Fact]:
    """The investment of each project that prints one: the amount as printed inside the
    project's span (the whole span when the amount is not found there), under the project's
    id."""
    plan = plan_iri(doc)
    for p in projects:
        if not p.investment_as_printed:
            continue
        s = p.source
        record = iri.record(plan, "project", s.start, s.end, p.name, p.content)
        at = doc.text.find(p.investment_as_printed, s.start, s.end)
        start, end = (at, at + len(p.investment_as_printed)) if at >= 0 else (s.start, s.end)
        flags = () if p.investment_yuan is not None else ("investment-not-parsed",)
        yield Fact(
            fact_id(plan, record),
            "money",
            start,
            end,
            doc.text[start:end],
            yuan=p.investment_yuan,
            flags=flags,
        )


# -- all of them -------------------------------------------------------------------------------
def plan_facts(doc: Document, groups: Iterable[str] = tuple(GROUPS)) -> list[Fact]:
    """The facts of the named groups (measures, targets, units, places, money), sorted by
    position; each extractor runs at most once."""
    from plankg.ingest.extract_measures import extract_measures
    from plankg.ingest.extract_projects import extract_projects
    from plankg.ingest.extract_targets import extract_targets
    from plankg.ingest.extract_units import extract_assignments

    wanted = set(groups)
    unknown = wanted - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown fact groups {sorted(unknown)}; known: {list(GROUPS)}")
    out: list[Fact] = []
    if wanted & {"measures", "places"}:
        measures = list(extract_measures(doc))
        if "measures" in wanted:
            out.extend(measure_facts(doc, measures))
        if "places" in wanted:
            out.extend(place_facts(doc, measures))
    if "targets" in wanted:
        out.extend(target_facts(doc, extract_targets(doc)))
    if "units" in wanted:
        out.extend(unit_facts(doc, (u for _, us in extract_assignments(doc) for u in us)))
    if "money" in wanted:
        out.extend(money_facts(doc, extract_projects(doc)))
    out.sort(key=lambda f: (f.start, -f.end, LABELS.index(f.label)))
    return out
