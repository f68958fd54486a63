"""SHACL validation of the ingested graphs with pySHACL (`plankg validate`).

Each plan's named graph, and the links graph together with the reviews graph, is validated on
its own against `ontology/shapes.ttl`, with the ontology and SKOS schemes as the ontology graph
(so sh:class checks see the class hierarchy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import pyoxigraph as ox

from plankg.iri import LINKS_GRAPH, REVIEWS_GRAPH
from plankg.store import ONTOLOGY_FILES, plan_graphs


@dataclass(frozen=True)
class GraphReport:
    graph: str
    conforms: bool
    triples: int
    violations: int
    text: str  # pySHACL's report text, empty when the graph conforms


def _rdflib_graph(data: bytes, fmt: str = "nt"):
    import rdflib

    g = rdflib.Graph()
    g.parse(data=data, format=fmt)
    return g


def validate_store(
    store: ox.Store, graphs: list[str] | None = None, progress: Callable[[str], None] | None = None
) -> list[GraphReport]:
    """Validate every plan graph and the links graph (or the given ones); one report each.
    `progress` is told of each graph when it is done."""
    import rdflib
    from pyshacl import validate

    shapes = rdflib.Graph()
    shapes.parse(
        data=(resources.files("plankg.ontology") / "shapes.ttl").read_bytes(), format="turtle"
    )
    ontology = rdflib.Graph()
    for name in ONTOLOGY_FILES:
        ontology.parse(
            data=(resources.files("plankg.ontology") / name).read_bytes(), format="turtle"
        )
    reports = []
    if graphs is None:
        graphs = plan_graphs(store)
        if store.contains_named_graph(ox.NamedNode(LINKS_GRAPH)):
            graphs.append(LINKS_GRAPH)
    for graph in graphs:
        data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
        g = _rdflib_graph(data)
        if graph == LINKS_GRAPH and store.contains_named_graph(ox.NamedNode(REVIEWS_GRAPH)):
            # reviews are checked with the links they are about
            g += _rdflib_graph(
                store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(REVIEWS_GRAPH))
            )
        # No inference: types are written explicitly, and the ontology (mixed in as the
        # ontology graph) gives sh:class its subclasses. RDFS inference would type every
        # object of pk:reviewOf as a pk:Link from the property's range.
        conforms, results, text = validate(
            g, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True
        )
        sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
        violations = len(list(results.subjects(rdflib.RDF.type, sh.ValidationResult)))
        reports.append(
            GraphReport(graph, bool(conforms), len(g), violations, "" if conforms else str(text))
        )
        if progress:
            progress(f"{graph.rsplit('/', 1)[-1]}: {'conforms' if conforms else 'violations'}")
    return reports
