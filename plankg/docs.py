"""HTML documentation of the ontology and of every SKOS concept scheme (`plankg docs`).

The ontology page is made by pyLODE (OntPub profile) from ``ontology/plankg.ttl`` with the small
concept schemes that file also declares (bindingness, review status, plan level, …) taken out:
pyLODE folds any skos:ConceptScheme it finds into the ontology's header and lists none of its
concepts. Every scheme (those in plankg.ttl and the thesauri in their own files: sectors,
instrument types, canonical indicators, unit types) gets a page of its own here, listing each
concept and collection with its notation, Chinese and English labels, alternative labels,
definition, broader concepts and members: pyLODE's VocPub profile lists no concepts at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from plankg.errors import PlankgError

if TYPE_CHECKING:
    from rdflib import Graph, URIRef

ONTOLOGY_FILE = "plankg.ttl"
SCHEME_FILES = ("sectors.ttl", "instruments.ttl", "indicators.ttl", "unit-types.ttl")


class DocsError(PlankgError):
    """The documentation cannot be built or written."""

    code = "E090"


@dataclass
class DocsReport:
    """What was written: page file → what it lists."""

    pages: dict[str, dict[str, int]] = field(default_factory=dict)

    def summary(self) -> str:
        lines = []
        for page, counts in self.pages.items():
            what = ", ".join(f"{n} {k}" for k, n in counts.items())
            lines.append(f"{page}: {what}" if what else page)
        return "\n".join(lines)


def _graph(name: str) -> Graph:
    from rdflib import Graph

    data = (resources.files("plankg.ontology") / name).read_text(encoding="utf-8")
    return Graph().parse(data=data, format="turtle")


def _schemes(g: Graph) -> list[URIRef]:
    from rdflib.namespace import RDF, SKOS

    return sorted(g.subjects(RDF.type, SKOS.ConceptScheme), key=str)


def _scheme_members(g: Graph, scheme: URIRef) -> set[URIRef]:
    """The concepts of a scheme (skos:inScheme, skos:topConceptOf, skos:hasTopConcept) and the
    collections whose members are all among them."""
    from rdflib.namespace import RDF, SKOS

    concepts = set(g.subjects(SKOS.inScheme, scheme)) | set(g.subjects(SKOS.topConceptOf, scheme))
    concepts |= set(g.objects(scheme, SKOS.hasTopConcept))
    for coll in g.subjects(RDF.type, SKOS.Collection):
        members = set(g.objects(coll, SKOS.member))
        if members and members <= concepts:
            concepts.add(coll)
    return concepts


def ontology_without_schemes(g: Graph) -> Graph:
    """The ontology's classes and properties: the concept schemes and their concepts removed."""
    from rdflib import Graph

    drop = set(_schemes(g))
    for scheme in list(drop):
        drop |= _scheme_members(g, scheme)
    from rdflib.namespace import OWL, RDF, RDFS

    ontologies = set(g.subjects(RDF.type, OWL.Ontology))
    out = Graph()
    for prefix, ns in g.namespaces():
        out.bind(prefix, ns)
    for s, p, o in g:
        # pyLODE runs every title and label of the ontology together into one heading
        if s not in drop and not (s in ontologies and p == RDFS.label):
            out.add((s, p, o))
    return out


def _text(g: Graph, s: URIRef, p: URIRef, lang: str | None = None) -> list[str]:
    values = [o for o in g.objects(s, p) if lang is None or getattr(o, "language", None) == lang]
    return sorted(str(v) for v in values)


def _label(g: Graph, s: URIRef) -> str:
    from rdflib.namespace import SKOS

    zh = _text(g, s, SKOS.prefLabel, "zh")
    en = _text(g, s, SKOS.prefLabel, "en")
    return " / ".join(x for x in (zh[:1] + en[:1])) or str(s)


def _anchor(iri: str) -> str:
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def scheme_page(g: Graph, scheme: URIRef) -> tuple[str, int]:
    """One scheme as an HTML page (a string) and the number of concepts it lists."""
    from rdflib.namespace import DCTERMS, RDF, SKOS

    members = _scheme_members(g, scheme)
    concepts = sorted((m for m in members if (m, RDF.type, SKOS.Concept) in g), key=str)
    collections = sorted((m for m in members if (m, RDF.type, SKOS.Collection) in g), key=str)
    title = (_text(g, scheme, DCTERMS.title) or [_label(g, scheme)])[0]

    def cell(values: Iterable[str]) -> str:
        return "<br>".join(escape(v) for v in values)

    def link(iri: URIRef) -> str:
        return f'<a href="#{escape(_anchor(str(iri)))}">{escape(_label(g, iri))}</a>'

    def rows(items: list[URIRef], kind: str) -> str:
        out = []
        for c in items:
            broader = [link(b) for b in sorted(g.objects(c, SKOS.broader), key=str)]
            members_ = [link(m) for m in sorted(g.objects(c, SKOS.member), key=str)]
            out.append(
                f'<tr id="{escape(_anchor(str(c)))}"><td><code>{escape(str(c))}</code><br>'
                f"{cell(_text(g, c, SKOS.notation))}</td>"
                f"<td>{cell(_text(g, c, SKOS.prefLabel, 'zh'))}</td>"
                f"<td>{cell(_text(g, c, SKOS.prefLabel, 'en'))}</td>"
                f"<td>{cell(_text(g, c, SKOS.definition))}</td>"
                f"<td>{cell(_text(g, c, SKOS.altLabel))}</td>"
                f"<td>{'<br>'.join(broader + members_)}</td><td>{kind}</td></tr>"
            )
        return "\n".join(out)

    head = (
        "<tr><th>IRI, notation</th><th>中文</th><th>English</th><th>definition 定义</th>"
        "<th>alternative labels 别称</th><th>broader / members</th><th>type</th></tr>"
    )
    html = f"""<!DOCTYPE html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>body {{ font-family: sans-serif; margin: 2em; }} table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; font-size: 13px; }}
th {{ background: #f3f3f3; position: sticky; top: 0; }}</style></head>
<body><p><a href="index.html">plankg documentation</a></p>
<h1>{escape(title)}</h1>
<p><code>{escape(str(scheme))}</code></p>
<p>{cell(_text(g, scheme, SKOS.definition) + _text(g, scheme, DCTERMS.description))}</p>
<p>{len(concepts)} concepts, {len(collections)} collections.</p>
<table>{head}
{rows(concepts, "skos:Concept")}
{rows(collections, "skos:Collection")}
</table></body></html>
"""
    return html, len(concepts) + len(collections)


def build_docs(out: Path) -> DocsReport:
    """Write index.html, ontology.html (pyLODE) and one page per concept scheme into `out`."""
    from rdflib.namespace import OWL, RDF

    try:
        from pylode import OntPub
    except ImportError:
        raise DocsError("the documentation needs pyLODE: pip install 'plankg[docs]'") from None
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DocsError(f"cannot create the folder: {exc.strerror}", path=out) from None
    report = DocsReport()
    ontology = _graph(ONTOLOGY_FILE)
    core = ontology_without_schemes(ontology)
    (out / "ontology.html").write_text(OntPub(ontology=core).make_html(), encoding="utf-8")
    report.pages["ontology.html"] = {
        "classes": len(set(core.subjects(RDF.type, OWL.Class))),
        "properties": len(
            {
                s
                for t in (
                    OWL.ObjectProperty,
                    OWL.DatatypeProperty,
                    OWL.AnnotationProperty,
                    RDF.Property,
                )
                for s in core.subjects(RDF.type, t)
            }
        ),
    }
    links = [
        '<li><a href="ontology.html">The plankg ontology 本体 (classes and properties)</a></li>'
    ]
    for graph in [ontology] + [_graph(f) for f in SCHEME_FILES]:
        for scheme in _schemes(graph):
            name = f"scheme-{_anchor(str(scheme))}.html"
            html, n = scheme_page(graph, scheme)
            (out / name).write_text(html, encoding="utf-8")
            report.pages[name] = {"concepts": n}
            links.append(f'<li><a href="{name}">{escape(_label(graph, scheme))}</a> ({n})</li>')
    (out / "index.html").write_text(
        "<!DOCTYPE html><html lang='zh-Hans'><head><meta charset='utf-8'>"
        "<title>plankg documentation</title></head><body><h1>plankg documentation 文档</h1><ul>"
        + "\n".join(links)
        + "</ul></body></html>\n",
        encoding="utf-8",
    )
    return report
