"""Link graphs for review and analysis, built with networkx from what is in the store.

`build_graph(store, kind)` returns one of five graphs (`KINDS`); `plankg.export` writes them as
GraphML, GEXF, node-link JSON or CSV, and `plankg.plot` draws them. Node ids are IRIs (keywords:
the keyword itself). Every attribute is a str, int, float or bool (lists are joined with
``JOIN``), so that every export format can carry it, and every node has a ``label`` (Chinese, as
printed) and a ``label_en`` where the store has one.

Graphs and what their nodes and edges are:

* ``measures`` (undirected): measures linked as pk:similarMeasure or pk:reusedWording, between
  districts or between a district and a parent plan. Edge = one link, with its IRI, kind, method,
  score (also the edge ``weight``), effective review status and common parent.
* ``units`` (undirected): units (departments and other bodies) named on the same task (a measure
  or project) in any role; weight = number of shared tasks. Units are per district, so the
  combined graph is the union of the district networks.
* ``cross-border`` (directed): district → partner place, through the measures that name the
  place (links of method ``gazetteer``); weight = number of such measures, quotes joined. A partner
  that is itself one of the districts in the store is that district's node.
* ``indicators`` (directed): district → canonical indicator it sets a target on; the edge carries
  the headline target (latest year; value, comparator, value as printed, unit) and every target
  of the pair in ``targets``.
* ``keywords`` (undirected): co-word network; two pk:keyword values co-occur when one measure has
  both; weight = number of such measures. To stay readable it keeps pairs that co-occur in at
  least ``KEYWORD_MIN_WEIGHT`` measures and, of those, the ``KEYWORD_MAX_EDGES`` heaviest (ties
  broken by keyword order); both can be changed through `build_graph`'s keyword arguments.

Every edge has ``districts``: the Chinese names of the jurisdictions it belongs to (joined), which
is what `network_figures` groups by. A plan belongs to its jurisdiction of any level (pk:jurisdiction:
a province, a city, a district …; `PlanInfo`); the attributes keep the name ``district`` that the
exports have always had, and nodes carry ``jurisdiction`` and ``jurisdiction_level`` beside it. Link edges carry the link's *effective* review status: the status
of its latest pk:Review in the reviews graph (by pk:reviewedAt), else pk:pending. Rejected links
are left out unless ``include_rejected``.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plankg import iri
from plankg.errors import PlankgError

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

KINDS = ("measures", "units", "cross-border", "indicators", "keywords")
JOIN = "；"  # joins list values (district names, sectors, quotes ...) into one attribute
QUOTE_JOIN = "\n——\n"  # joins quotes, which contain "；" themselves
KEYWORD_MIN_WEIGHT = 2
KEYWORD_MAX_EDGES = 300
MEASURE_KINDS = ("similarMeasure", "reusedWording")
LINKS = f"<{iri.LINKS_GRAPH}>"
REVIEWS = f"<{iri.REVIEWS_GRAPH}>"


class GraphError(PlankgError):
    """A graph cannot be built: unknown kind or jurisdiction."""

    code = "E050"


# --------------------------------------------------------------------------------------------
# Reading the store


def _rows(store: ox.Store, text: str) -> list[dict[str, str | None]]:
    from plankg.query import run_sparql

    return run_sparql(store, text)[1]


def _local(value: str | None) -> str:
    """The local name of a pk: term (pending, similarMeasure), else the value itself."""
    value = value or ""
    return value.removeprefix(iri.PK)


@dataclass(frozen=True)
class PlanInfo:
    """A plan and the group it belongs to: its jurisdiction of any level (pk:jurisdiction: a
    province, city, district, county, zone or region; a joint plan's signatories together), else
    its pk:district (a store written before plans had jurisdictions), else its level, else its
    title. The graphs' ``district`` attributes carry this group: the name stays for the exports'
    consumers, the meaning is any jurisdiction."""

    iri: str
    title: str
    jurisdiction: str  # the group's IRI (space-joined for a joint plan), "" for a plan without one
    jurisdiction_zh: str  # the group's Chinese name
    jurisdiction_en: str
    code: str  # GB/T 2260 code, "" for zones, regions and joint plans
    jurisdiction_level: str = ""  # the level's English label: province, city, district, …


@dataclass(frozen=True)
class Review:
    """The latest review of a link (or none: status pending)."""

    status: str = "pending"
    reviewer: str = ""
    reviewed_at: str = ""
    comment: str = ""


@dataclass
class _Context:
    """What every graph needs: plans, concept labels, effective review statuses."""

    plans: dict[str, PlanInfo]
    concepts: dict[str, tuple[str, str]]  # concept IRI → (zh, en)
    reviews: dict[str, Review] = field(default_factory=dict)

    def jurisdictions(self) -> dict[str, PlanInfo]:
        """Group IRI (a jurisdiction, or a district in an old store) → one of its plans."""
        return {p.jurisdiction: p for p in self.plans.values() if p.jurisdiction}


# A plan's places: its pk:jurisdiction (any level) and its pk:district, which old stores alone have.
_PLANS = """
SELECT DISTINCT ?plan ?title ?via ?place ?zh ?en ?code ?jl ?jlen ?lzh ?len WHERE {
  ?plan a pk:Plan .
  OPTIONAL { ?plan dcterms:title ?title }
  OPTIONAL {
    { ?plan pk:jurisdiction ?place BIND("jurisdiction" AS ?via) }
    UNION { ?plan pk:district ?place BIND("district" AS ?via) }
    OPTIONAL { ?place rdfs:label ?zh . FILTER(LANG(?zh) = "zh") }
    OPTIONAL { ?place rdfs:label ?en . FILTER(LANG(?en) = "en") }
    OPTIONAL { ?place pk:adminCode ?code }
    OPTIONAL {
      ?place pk:jurisdictionLevel ?jl .
      OPTIONAL { ?jl skos:prefLabel ?jlen . FILTER(LANG(?jlen) = "en") }
    }
  }
  OPTIONAL {
    ?plan pk:level ?level .
    OPTIONAL { ?level skos:prefLabel ?lzh . FILTER(LANG(?lzh) = "zh") }
    OPTIONAL { ?level skos:prefLabel ?len . FILTER(LANG(?len) = "en") }
  }
}"""
_CONCEPTS = """
SELECT DISTINCT ?c ?zh ?en WHERE {
  VALUES ?type { skos:Concept skos:Collection skos:ConceptScheme }
  ?c a ?type .
  OPTIONAL { ?c skos:prefLabel ?zh . FILTER(LANG(?zh) = "zh") }
  OPTIONAL { ?c skos:prefLabel ?en . FILTER(LANG(?en) = "en") }
}"""
# Reviews in time order (xsd:dateTime compared as times, not strings): the last one per link wins.
_REVIEWS = f"""
SELECT DISTINCT ?link ?review ?status ?reviewer ?at ?comment WHERE {{
  GRAPH {REVIEWS} {{
    ?review pk:reviewOf ?link ; pk:reviewStatus ?status .
    OPTIONAL {{ ?review pk:reviewer ?reviewer }}
    OPTIONAL {{ ?review pk:reviewedAt ?at }}
    OPTIONAL {{ ?review rdfs:comment ?comment }}
  }}
}} ORDER BY ?link ?at ?review"""


def review_statuses(store: ox.Store) -> dict[str, Review]:
    """Each reviewed link's latest review (links without a review are pending)."""
    out: dict[str, Review] = {}
    for r in _rows(store, _REVIEWS):
        out[r["link"] or ""] = Review(
            _local(r["status"]), r["reviewer"] or "", r["at"] or "", r["comment"] or ""
        )
    return out


def _plan_info(plan: str, rows: list[dict[str, str | None]]) -> PlanInfo:
    """One plan's group from its rows of `_PLANS`: its jurisdictions if it has any (a joint
    plan's, in code order, named together), else its district, else its level, else its title."""
    title = next((r["title"] for r in rows if r["title"]), None) or plan.rsplit("/", 1)[-1]
    level_zh = next((r["lzh"] for r in rows if r["lzh"]), "")
    level_en = next((r["len"] for r in rows if r["len"]), "")
    places: dict[str, dict[str, str]] = {}
    for via in ("jurisdiction", "district"):
        for r in rows:
            if r["via"] == via and r["place"]:
                slot = places.setdefault(r["place"], {})
                for key in ("zh", "en", "code", "jl", "jlen"):
                    if r[key]:
                        slot.setdefault(key, r[key] or "")
        if places:
            break
    order = sorted(places, key=lambda p: (places[p].get("code", "~"), places[p].get("zh", p)))
    zh = "、".join(places[p].get("zh", "") for p in order if places[p].get("zh"))
    en = ", ".join(places[p].get("en", "") for p in order if places[p].get("en"))
    zh = zh or level_zh or title
    levels = dict.fromkeys(places[p].get("jlen") or _local(places[p].get("jl")) for p in order)
    return PlanInfo(
        plan,
        title,
        " ".join(order),
        zh,
        en or level_en or zh,
        places[order[0]].get("code", "") if len(order) == 1 else "",
        _joined(levels).removesuffix("Jurisdiction"),
    )


def _context(store: ox.Store) -> _Context:
    by_plan: dict[str, list[dict[str, str | None]]] = defaultdict(list)
    for r in _rows(store, _PLANS):
        by_plan[r["plan"] or ""].append(r)
    plans = {p: _plan_info(p, rows) for p, rows in by_plan.items()}
    concepts = {
        r["c"] or "": (r["zh"] or r["en"] or "", r["en"] or r["zh"] or "")
        for r in _rows(store, _CONCEPTS)
    }
    return _Context(plans, concepts, review_statuses(store))


def _jurisdiction_filter(ctx: _Context, name: str | None) -> str | None:
    """The group IRI that `name` names: a jurisdiction of any level (or, in an old store, a
    district) by Chinese or English name, admin code or IRI."""
    if name is None or name == "":
        return None
    for j, p in ctx.jurisdictions().items():
        if name in (j, p.jurisdiction_zh, p.jurisdiction_en, p.code, *j.split()):
            return j
    known = "、".join(sorted(p.jurisdiction_zh for p in ctx.jurisdictions().values())) or "none"
    raise GraphError(f"no jurisdiction (district) {name!r} in the store (jurisdictions: {known})")


def _clip(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _joined(values: Iterable[str], sep: str = JOIN) -> str:
    """Distinct non-empty values in first-seen order, joined."""
    return sep.join(dict.fromkeys(v for v in values if v))


# --------------------------------------------------------------------------------------------
# Measures


@dataclass
class _Measure:
    iri: str
    plan: str
    quote: str
    label: str
    number: str
    sectors: list[str] = field(default_factory=list)


def _measures(store: ox.Store, scope: str) -> dict[str, _Measure]:
    """Measures bound to ?m by the SPARQL pattern `scope`, with their sectors."""
    out: dict[str, _Measure] = {}
    rows = _rows(
        store,
        f"""
        SELECT DISTINCT ?m ?plan ?quote ?label ?number WHERE {{
          {scope}
          ?m a pk:Measure ; pk:plan ?plan ; pk:quote ?quote .
          OPTIONAL {{ ?m rdfs:label ?label }}
          OPTIONAL {{ ?m pk:number ?number }}
        }}""",
    )
    for r in rows:
        m = r["m"] or ""
        if m not in out:
            out[m] = _Measure(
                m, r["plan"] or "", r["quote"] or "", r["label"] or "", r["number"] or ""
            )
    for r in _rows(
        store,
        f"""
        SELECT DISTINCT ?m ?s WHERE {{ {scope} ?m a pk:Measure ; pk:sector ?s . }}
        ORDER BY ?m ?s""",
    ):
        if (r["m"] or "") in out:
            out[r["m"] or ""].sectors.append(r["s"] or "")
    return out


def _group_attrs(plan: PlanInfo | None) -> dict[str, str]:
    """A node's group: ``district*`` (the names the exports have always had) and
    ``jurisdiction*`` beside them, both the plan's jurisdiction of whatever level."""
    p = plan or PlanInfo("", "", "", "", "", "")
    return {
        "district": p.jurisdiction_zh,
        "district_en": p.jurisdiction_en,
        "district_iri": p.jurisdiction,
        "jurisdiction": p.jurisdiction_zh,
        "jurisdiction_level": p.jurisdiction_level,
    }


def _measure_attrs(ctx: _Context, m: _Measure) -> dict[str, Any]:
    plan = ctx.plans.get(m.plan) or PlanInfo(m.plan, "", "", "", "", "")
    return {
        "node_type": "measure",
        "label": _clip(m.label or m.quote, 30),
        "label_en": "",
        "heading": m.label,
        "number": m.number,
        "quote": m.quote,
        **_group_attrs(plan),
        "plan": plan.title,
        "plan_iri": m.plan,
        "sectors": _joined(ctx.concepts.get(s, ("", ""))[0] for s in m.sectors),
        "sectors_en": _joined(ctx.concepts.get(s, ("", ""))[1] for s in m.sectors),
        "sector_iris": _joined(m.sectors, " "),
        "iri": m.iri,
    }


_MEASURE_LINKS = f"""
SELECT DISTINCT ?link ?kind ?a ?b ?score ?method ?parent WHERE {{
  GRAPH {LINKS} {{
    ?link pk:linkKind ?k ; pk:linkSource ?a ; pk:linkTarget ?b ; pk:score ?score ;
          pk:method ?method .
    VALUES ?k {{ pk:similarMeasure pk:reusedWording }}
    OPTIONAL {{ ?link pk:commonParent ?parent }}
  }}
  BIND(STRAFTER(STR(?k), "#") AS ?kind)
}} ORDER BY ?link"""
_MEASURE_SCOPE = f"""
  {{ GRAPH {LINKS} {{ ?l pk:linkKind ?lk ; pk:linkSource|pk:linkTarget|pk:commonParent ?m .
                     VALUES ?lk {{ pk:similarMeasure pk:reusedWording }} }} }}"""


def _link_attrs(ctx: _Context, link: str) -> dict[str, Any]:
    review = ctx.reviews.get(link, Review())
    return {
        "link": link,
        "review_status": review.status,
        "last_reviewer": review.reviewer,  # not "reviewer": a filled edge CSV is a review sheet
        "last_reviewed_at": review.reviewed_at,
        "last_review_comment": review.comment,
    }


def _measures_graph(
    store: ox.Store, ctx: _Context, group: str | None, include_rejected: bool
) -> nx.Graph:
    import networkx as nx

    g = nx.Graph()
    measures = _measures(store, _MEASURE_SCOPE)
    for r in _rows(store, _MEASURE_LINKS):
        link = r["link"] or ""
        attrs = _link_attrs(ctx, link)
        if attrs["review_status"] == "rejected" and not include_rejected:
            continue
        a, b = measures.get(r["a"] or ""), measures.get(r["b"] or "")
        if a is None or b is None:
            continue
        pa, pb = ctx.plans.get(a.plan), ctx.plans.get(b.plan)
        ends = [p.jurisdiction for p in (pa, pb) if p]
        if group and group not in ends:
            continue
        parent = measures.get(r["parent"] or "")
        score = float(r["score"] or 0)
        for m in (a, b):
            if m.iri not in g:
                g.add_node(m.iri, **_measure_attrs(ctx, m))
        edge = {
            "label": f"{r['kind']} {score:.2f}",
            "kind": r["kind"] or "",
            "method": r["method"] or "",
            "score": score,
            "weight": score,
            **attrs,
            "common_parent": r["parent"] or "",
            "common_parent_quote": parent.quote if parent else "",
            "common_parent_plan": (
                ctx.plans[parent.plan].title if parent and parent.plan in ctx.plans else ""
            ),
            "districts": _joined(p.jurisdiction_zh for p in (pa, pb) if p),
            "jurisdiction_levels": _joined(p.jurisdiction_level for p in (pa, pb) if p),
            "quote_source": a.quote,
            "quote_target": b.quote,
        }
        if g.has_edge(a.iri, b.iri):  # two kinds of link between one pair: keep both IRIs
            old = g.edges[a.iri, b.iri]
            for key in ("link", "kind", "method", "review_status"):
                old[key] = _joined([old[key], edge[key]], " ")
            old["score"] = old["weight"] = max(old["score"], score)
            continue
        g.add_edge(a.iri, b.iri, source_iri=a.iri, target_iri=b.iri, **edge)
    return g


# --------------------------------------------------------------------------------------------
# Units


_UNIT_ROLES = """
SELECT DISTINCT ?task ?unit ?role ?plan ?quote ?label ?number WHERE {
  ?task ?p ?unit ; pk:plan ?plan ; pk:quote ?quote .
  VALUES ?p { pk:leadUnit pk:responsibleUnit pk:cooperatingUnit }
  BIND(STRAFTER(STR(?p), "#") AS ?role)
  OPTIONAL { ?task rdfs:label ?label }
  OPTIONAL { ?task pk:number ?number }
} ORDER BY ?task ?unit"""
_UNITS = """
SELECT DISTINCT ?unit ?name ?printed ?type WHERE {
  ?unit a pk:Unit ; pk:canonicalName ?name .
  OPTIONAL { ?unit pk:nameAsPrinted ?printed }
  OPTIONAL { ?unit pk:unitType ?type }
} ORDER BY ?unit ?printed"""


def _units_graph(store: ox.Store, ctx: _Context, group: str | None) -> nx.Graph:
    import networkx as nx

    names: dict[str, str] = {}
    printed: dict[str, list[str]] = defaultdict(list)
    types: dict[str, str] = {}
    for r in _rows(store, _UNITS):
        u = r["unit"] or ""
        names.setdefault(u, r["name"] or "")
        printed[u].append(r["printed"] or "")
        if r["type"]:
            types.setdefault(u, r["type"])
    tasks: dict[str, dict[str, str]] = {}  # task IRI → plan, quote, label
    roles: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in _rows(store, _UNIT_ROLES):
        t, u = r["task"] or "", r["unit"] or ""
        plan = ctx.plans.get(r["plan"] or "")
        if group and (plan is None or plan.jurisdiction != group):
            continue
        tasks[t] = {
            "plan": r["plan"] or "",
            "quote": r["quote"] or "",
            "label": (r["number"] or "") + (r["label"] or _clip(r["quote"] or "", 20)),
        }
        roles[t][u].add(r["role"] or "")
    g = nx.Graph()
    unit_tasks: Counter[str] = Counter()
    unit_leads: Counter[str] = Counter()
    unit_plan: dict[str, str] = {}
    for t, members in roles.items():
        for u, rs in members.items():
            unit_tasks[u] += 1
            unit_leads[u] += "leadUnit" in rs
            unit_plan.setdefault(u, tasks[t]["plan"])
    for u in sorted(unit_tasks):
        plan = ctx.plans.get(unit_plan[u])
        zh, en = ctx.concepts.get(types.get(u, ""), ("", ""))
        g.add_node(
            u,
            node_type="unit",
            label=names.get(u, u),
            label_en="",
            canonical_name=names.get(u, ""),
            names_as_printed=_joined(printed.get(u, [])),
            unit_type=types.get(u, ""),
            unit_type_zh=zh,
            unit_type_en=en,
            **_group_attrs(plan),
            tasks=unit_tasks[u],
            lead_tasks=unit_leads[u],
            iri=u,
        )
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for t in sorted(roles):
        for a, b in itertools.combinations(sorted(roles[t]), 2):
            shared[a, b].append(t)
    for (a, b), ts in shared.items():
        led = [t for t in ts if "leadUnit" in roles[t][a] | roles[t][b]]
        g.add_edge(
            a,
            b,
            label=f"{len(ts)}",
            weight=len(ts),
            shared_tasks=len(ts),
            with_a_lead=len(led),
            districts=g.nodes[a]["district"],
            task_labels=_joined(tasks[t]["label"] for t in ts),
            task_iris=_joined(ts, " "),
            quotes=_joined((tasks[t]["quote"] for t in ts), QUOTE_JOIN),
        )
    return g


# --------------------------------------------------------------------------------------------
# Cross-border partners


_PARTNERS = f"""
SELECT DISTINCT ?link ?m ?place ?level ?plan ?quote ?label ?pzh ?code WHERE {{
  GRAPH {LINKS} {{
    ?link pk:linkKind pk:crossBorderPartner ; pk:method "gazetteer" ;
          pk:linkSource ?m ; pk:linkTarget ?place .
    OPTIONAL {{ ?link pk:partnerLevel ?level }}
  }}
  ?m pk:plan ?plan ; pk:quote ?quote .
  OPTIONAL {{ ?m rdfs:label ?label }}
  OPTIONAL {{ ?place rdfs:label ?pzh . FILTER(LANG(?pzh) = "zh" || LANG(?pzh) = "") }}
  OPTIONAL {{ ?place pk:adminCode ?code }}
}} ORDER BY ?place ?m"""


def _jurisdiction_node(g: nx.Graph, p: PlanInfo) -> str:
    """The node of a plan's jurisdiction (of any level; node_type keeps the name "district")."""
    node = p.jurisdiction or p.iri
    if node not in g:
        g.add_node(
            node,
            node_type="district",
            label=p.jurisdiction_zh,
            label_en=p.jurisdiction_en,
            **_group_attrs(p),
            admin_code=p.code,
            iri=node,
        )
    return node


def _place_english(name: str) -> str:
    """The gazetteer's English name of a place (the store keeps only the Chinese one)."""
    from plankg.ingest.places import default_gazetteer

    place = default_gazetteer().get(name)
    return getattr(place, "en", "") if place else ""


def _cross_border_graph(
    store: ox.Store, ctx: _Context, group: str | None, include_rejected: bool
) -> nx.DiGraph:
    import networkx as nx

    g = nx.DiGraph()
    by_code = {p.code: p for p in ctx.jurisdictions().values() if p.code}
    by_name = {p.jurisdiction_zh: p for p in ctx.jurisdictions().values()}
    edges: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in _rows(store, _PARTNERS):
        link = r["link"] or ""
        attrs = _link_attrs(ctx, link)
        if attrs["review_status"] == "rejected" and not include_rejected:
            continue
        plan = ctx.plans.get(r["plan"] or "")
        if plan is None or (group and plan.jurisdiction != group):
            continue
        src = _jurisdiction_node(g, plan)
        name = r["pzh"] or ""
        known = by_code.get(r["code"] or "") or by_name.get(name)
        if known is not None:  # the partner is a jurisdiction with plans: one node for both
            dst = _jurisdiction_node(g, known)
        else:
            dst = r["place"] or ""
            if dst not in g:
                g.add_node(
                    dst,
                    node_type="place",
                    label=name,
                    label_en=_place_english(name),
                    **_group_attrs(None),
                    admin_code=r["code"] or "",
                    partner_level=r["level"] or "",
                    iri=dst,
                )
        edges[src, dst].append(
            {
                **attrs,
                "measure": r["m"] or "",
                "quote": r["quote"] or "",
                "heading": r["label"] or "",
                "plan": plan.title,
                "district": plan.jurisdiction_zh,
            }
        )
    for (src, dst), rows in edges.items():
        measures = list(dict.fromkeys(x["measure"] for x in rows))
        g.add_edge(
            src,
            dst,
            label=f"{len(measures)}",
            weight=len(measures),
            measures=len(measures),
            districts=rows[0]["district"],
            partner=g.nodes[dst]["label"],
            partner_level=g.nodes[dst].get("partner_level", "district"),
            measure_iris=_joined(measures, " "),
            headings=_joined(x["heading"] for x in rows),
            plans=_joined(x["plan"] for x in rows),
            quotes=_joined((x["quote"] for x in rows), QUOTE_JOIN),
            links=_joined((x["link"] for x in rows), " "),
            review_status=_joined(x["review_status"] for x in rows),
        )
    return g


# --------------------------------------------------------------------------------------------
# Indicators


_TARGETS = """
SELECT DISTINCT ?t ?plan ?indicator ?printed ?value ?vprinted ?comparator ?year ?unit
       ?bvalue ?byear ?binding ?higher ?quote ?begin ?flags WHERE {
  ?t a pk:Target ; pk:plan ?plan ; pk:indicator ?indicator .
  OPTIONAL { SELECT ?t (GROUP_CONCAT(DISTINCT STRAFTER(STR(?f), "#"); SEPARATOR=" ") AS ?flags)
             WHERE { ?t pk:flag ?f } GROUP BY ?t }
  OPTIONAL { ?t pk:indicatorAsPrinted ?printed }
  OPTIONAL { ?t pk:value ?value }
  OPTIONAL { ?t pk:valueAsPrinted ?vprinted }
  OPTIONAL { ?t pk:comparator ?comparator }
  OPTIONAL { ?t pk:targetYear ?year }
  OPTIONAL { ?t pk:unitOfMeasure ?unit }
  OPTIONAL { ?t pk:baselineValue ?bvalue }
  OPTIONAL { ?t pk:baselineYear ?byear }
  OPTIONAL { ?t pk:bindingness ?binding }
  OPTIONAL { ?t pk:setByHigherLevel ?higher }
  OPTIONAL { ?t pk:quote ?quote }
  OPTIONAL { ?t pk:beginIndex ?begin }
} ORDER BY ?plan ?begin ?t"""


def _target_text(r: dict[str, str | None]) -> str:
    """One target as a reader sees it: 2025: ≥38 (不低于38%) [约束性 binding]."""
    value = r["vprinted"] or r["value"] or ""
    comparator = r["comparator"] or ""
    text = f"{r['year'] or '?'}: {comparator if comparator != '=' else ''}{r['value'] or ''}"
    if value and value != (r["value"] or ""):
        text += f" ({value})"
    if r["binding"]:
        text += f" [{_local(r['binding'])}]"
    return text


def _indicators_graph(store: ox.Store, ctx: _Context, group: str | None) -> nx.DiGraph:
    import networkx as nx

    g = nx.DiGraph()
    pairs: dict[tuple[str, str], list[dict[str, str | None]]] = defaultdict(list)
    for r in _rows(store, _TARGETS):
        plan = ctx.plans.get(r["plan"] or "")
        if plan is None or (group and plan.jurisdiction != group):
            continue
        src = _jurisdiction_node(g, plan)
        ind = r["indicator"] or ""
        if ind not in g:
            zh, en = ctx.concepts.get(ind, ("", ""))
            g.add_node(
                ind,
                node_type="indicator",
                label=zh or ind.rsplit("/", 1)[-1],
                label_en=en,
                **_group_attrs(None),
                iri=ind,
            )
        pairs[src, ind].append(r)
    for (src, ind), rows in pairs.items():
        # the headline target: the latest year, then the first printed
        head = max(rows, key=lambda r: int(r["year"]) if (r["year"] or "").isdigit() else -1)
        attrs: dict[str, Any] = {
            "label": _target_text(head),
            "weight": len(rows),
            "targets_count": len(rows),
            "districts": g.nodes[src]["label"],
            "indicator": g.nodes[ind]["label"],
            "indicator_en": g.nodes[ind]["label_en"],
            "indicator_as_printed": _joined(r["printed"] or "" for r in rows),
            "comparator": head["comparator"] or "",
            "value_as_printed": head["vprinted"] or "",
            "unit": head["unit"] or "",
            "bindingness": _local(head["binding"]),
            "set_by_higher_level": head["higher"] == "true",
            "plan": ctx.plans[head["plan"] or ""].title,
            "quote": head["quote"] or "",
            "headline_target": head["t"] or "",
            "targets": _joined(_target_text(r) for r in rows),
            "target_iris": _joined((r["t"] or "" for r in rows), " "),
            "quotes": _joined((r["quote"] or "" for r in rows), QUOTE_JOIN),
            # targets that failed a plausibility check (pk:flag; `plankg check` lists them)
            "flagged_count": sum(1 for r in rows if r.get("flags")),
            "flags": _joined(sorted({f for r in rows for f in (r.get("flags") or "").split()})),
        }
        # numbers only where the store has them, so the type of a column never changes
        for key, col, cast in (
            ("value", "value", float),
            ("target_year", "year", int),
            ("baseline_value", "bvalue", float),
            ("baseline_year", "byear", int),
        ):
            if head[col]:
                attrs[key] = cast(head[col])
        g.add_edge(src, ind, **attrs)
    return g


# --------------------------------------------------------------------------------------------
# Keywords


_KEYWORDS = """
SELECT DISTINCT ?m ?k ?plan WHERE { ?m a pk:Measure ; pk:keyword ?k ; pk:plan ?plan . }
ORDER BY ?m ?k"""


def _keywords_graph(
    store: ox.Store, ctx: _Context, group: str | None, min_weight: int, max_edges: int
) -> nx.Graph:
    import networkx as nx

    sets: dict[str, set[str]] = defaultdict(set)
    measure_district: dict[str, str] = {}
    for r in _rows(store, _KEYWORDS):
        plan = ctx.plans.get(r["plan"] or "")
        if plan is None or (group and plan.jurisdiction != group):
            continue
        sets[r["m"] or ""].add(r["k"] or "")
        measure_district[r["m"] or ""] = plan.jurisdiction_zh
    freq: Counter[str] = Counter()
    kw_districts: dict[str, Counter[str]] = defaultdict(Counter)
    pair_measures: dict[tuple[str, str], list[str]] = defaultdict(list)
    for m in sorted(sets):
        for k in sets[m]:
            freq[k] += 1
            kw_districts[k][measure_district[m]] += 1
        for a, b in itertools.combinations(sorted(sets[m]), 2):
            pair_measures[a, b].append(m)
    kept = sorted(
        ((a, b) for (a, b), ms in pair_measures.items() if len(ms) >= min_weight),
        key=lambda p: (-len(pair_measures[p]), p),
    )[:max_edges]
    g = nx.Graph(min_weight=min_weight, max_edges=max_edges)
    for a, b in kept:
        for k in (a, b):
            if k not in g:
                g.add_node(
                    k,
                    node_type="keyword",
                    label=k,
                    label_en="",
                    measures=freq[k],
                    district=_joined(sorted(kw_districts[k])),
                    district_counts=_joined(f"{d}:{n}" for d, n in sorted(kw_districts[k].items())),
                )
        ms = pair_measures[a, b]
        g.add_edge(
            a,
            b,
            label=str(len(ms)),
            weight=len(ms),
            measures=len(ms),
            districts=_joined(sorted({measure_district[m] for m in ms})),
            measure_iris=_joined(ms, " "),
        )
    return g


# --------------------------------------------------------------------------------------------
# Public surface


def build_graph(
    store: ox.Store,
    kind: str,
    *,
    district: str | None = None,
    include_rejected: bool = False,
    min_weight: int = KEYWORD_MIN_WEIGHT,
    max_edges: int = KEYWORD_MAX_EDGES,
) -> nx.Graph:
    """Build one of the `KINDS` of graph from the store.

    `district` (Chinese or English name, admin code or IRI of a jurisdiction of any level, a
    province as well as a district) keeps one jurisdiction: its measures' links (with the other
    end, wherever it is), its units, its partners, its indicators, its keywords. Rejected links are left out unless `include_rejected`. `min_weight` and
    `max_edges` bound the keywords graph only.
    """
    if kind not in KINDS:
        raise GraphError(f"no graph kind {kind!r}; kinds: {', '.join(KINDS)}")
    ctx = _context(store)
    d = _jurisdiction_filter(ctx, district)
    if kind == "measures":
        g = _measures_graph(store, ctx, d, include_rejected)
    elif kind == "units":
        g = _units_graph(store, ctx, d)
    elif kind == "cross-border":
        g = _cross_border_graph(store, ctx, d, include_rejected)
    elif kind == "indicators":
        g = _indicators_graph(store, ctx, d)
    else:
        g = _keywords_graph(store, ctx, d, min_weight, max_edges)
    g.graph.update(
        kind=kind,
        district=ctx.jurisdictions()[d].jurisdiction_zh if d else "",
        include_rejected=include_rejected,
        name=f"plankg {kind}",
    )
    return g


def edge_districts(graph: nx.Graph, u: str, v: str) -> list[str]:
    """The districts an edge belongs to (its ``districts`` attribute, split)."""
    return [d for d in str(graph.edges[u, v].get("districts", "")).split(JOIN) if d]


def _top(scores: dict[str, float], graph: nx.Graph, n: int = 5) -> list[dict[str, Any]]:
    best = sorted(scores.items(), key=lambda kv: (-kv[1], str(graph.nodes[kv[0]].get("label"))))
    return [
        {"node": node, "label": graph.nodes[node].get("label", node), "value": round(value, 4)}
        for node, value in best[:n]
    ]


def _figures(graph: nx.Graph, district: str) -> dict[str, Any]:
    import networkx as nx

    g = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    comps = sorted((len(c) for c in nx.connected_components(g)), reverse=True)
    return {
        "district": district,
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
        "density": round(nx.density(g), 4) if g.number_of_nodes() > 1 else 0.0,
        "components": len(comps),
        "largest_component": comps[0] if comps else 0,
        "top_degree": _top(nx.degree_centrality(g) if len(g) > 1 else {}, g),
        "top_betweenness": _top(nx.betweenness_centrality(g) if len(g) > 1 else {}, g),
    }


def network_figures(graph: nx.Graph) -> list[dict[str, Any]]:
    """Per district (and ``(all)`` for the whole graph): nodes, edges, density, components, the
    size of the largest one, and the five most central nodes by degree and by betweenness
    (unweighted, on the undirected graph). A district's network is its edges (``districts``)
    and its nodes (``district``), isolated ones included."""
    by_district: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for u, v in graph.edges():
        for d in edge_districts(graph, u, v):
            by_district[d].add((u, v))
    nodes_of: dict[str, set[str]] = defaultdict(set)
    for n, data in graph.nodes(data=True):
        if data.get("node_type") in ("unit", "measure") and data.get("district"):
            nodes_of[str(data["district"])].add(n)
    out = [_figures(graph, "(all)")]
    for d in sorted(set(by_district) | set(nodes_of)):
        sub = graph.edge_subgraph(by_district[d]).copy()
        sub.add_nodes_from((n, graph.nodes[n]) for n in nodes_of[d])
        out.append(_figures(sub, d))
    return out
