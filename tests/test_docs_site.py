"""`plankg docs`: the ontology page (pyLODE) lists every class and property, and every concept
scheme has a page listing all its concepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, SKOS

from plankg.cli import main

from .conftest import ROOT

ONTOLOGY = ROOT / "ontology"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    assert main(["docs", "-o", str(out)]) == 0
    return out


def test_ontology_page_lists_every_class_and_property(site: Path) -> None:
    g = Graph().parse(ONTOLOGY / "plankg.ttl")
    page = (site / "ontology.html").read_text(encoding="utf-8")
    terms = {
        s
        for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
        for s in g.subjects(RDF.type, t)
        if str(s).startswith("https://w3id.org/plankg/ontology#")
    }
    assert len(terms) > 60
    missing = [str(t) for t in terms if str(t) not in page]
    assert missing == []
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert "Bindingness" not in heading and "Link kind" not in heading  # no scheme in the header


@pytest.mark.parametrize(
    "name", ["plankg.ttl", "sectors.ttl", "instruments.ttl", "indicators.ttl", "unit-types.ttl"]
)
def test_every_concept_of_every_scheme_is_listed(site: Path, name: str) -> None:
    g = Graph().parse(ONTOLOGY / name)
    schemes = list(g.subjects(RDF.type, SKOS.ConceptScheme))
    assert schemes
    pages = "".join(p.read_text(encoding="utf-8") for p in site.glob("scheme-*.html"))
    concepts = set(g.subjects(RDF.type, SKOS.Concept)) | set(g.subjects(RDF.type, SKOS.Collection))
    assert concepts
    missing = [str(c) for c in concepts if f"<code>{c}</code>" not in pages]
    assert missing == []
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.count("scheme-") >= 9
