"""The embedded store end to end: ingest, idempotency, atomic failure, queries, export."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pyoxigraph as ox
import pytest

from plankg import iri
from plankg.ingest.pipeline import ingest
from plankg.query import format_rows, named_queries, run_named, run_sparql
from plankg.store import open_store, plan_graphs

from .conftest import PLAN_FILES


def _graph_quads(store, graph):
    return {
        (q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    }


def test_one_named_graph_per_plan_and_no_blank_nodes(store):
    graphs = plan_graphs(store)
    assert len(graphs) == len(PLAN_FILES)
    for q in store.quads_for_pattern(None, None, None, None):
        if q.graph_name.value != iri.ONTOLOGY_GRAPH:
            assert not isinstance(q.subject, ox.BlankNode) and not isinstance(
                q.object, ox.BlankNode
            )


def test_reingest_is_idempotent_and_replaces_the_graph(tmp_path):
    store = open_store(tmp_path / "s")
    plan = PLAN_FILES["004"]
    ingest([plan], store, jobs=1)
    graph = plan_graphs(store)[0]
    first = _graph_quads(store, graph)
    ingest([plan], store, jobs=1)
    assert _graph_quads(store, graph) == first
    assert len(plan_graphs(store)) == 1


def test_a_failing_ingest_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    store = open_store(tmp_path / "s")
    ingest([PLAN_FILES["004"]], store, jobs=1)
    before = set(store.quads_for_pattern(None, None, None, None))

    import plankg.store as store_module

    def broken_update(*args, **kwargs):
        raise KeyboardInterrupt  # an interruption just before the transaction

    monkeypatch.setattr(store_module, "replace_graphs", broken_update)
    with pytest.raises(KeyboardInterrupt):
        ingest([PLAN_FILES["004"], PLAN_FILES["001"]], store, jobs=1)
    assert set(store.quads_for_pattern(None, None, None, None)) == before


def test_unreadable_file_is_reported_and_others_go_on(tmp_path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    store = open_store(tmp_path / "s")
    report = ingest([bad, PLAN_FILES["004"]], store, jobs=1)
    assert len(report.results) == 1
    assert len(report.errors) == 1 and "broken.txt" in report.errors[0]


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_runs_and_is_documented(store, name):
    q = named_queries()[name]
    assert q.title and q.description, f"{name}.rq needs #+ title and #+ description"
    columns, _ = run_named(store, name)
    assert columns
    readme = (PLAN_FILES["000"].parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"`{name}`" in readme, f"query {name} is not listed in the README"


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        (
            "targets",
            [
                "district",
                "plan",
                "indicator",
                "indicator_concept",
                "unit",
                "baseline",
                "baseline_year",
                "target",
                "target_year",
                "comparator",
                "bindingness",
                "set_by_higher_level",
                "value_as_printed",
                "quote",
            ],
        ),
        (
            "assignments",
            [
                "district",
                "plan",
                "measure",
                "measure_label",
                "role",
                "unit",
                "unit_canonical",
                "unit_type",
            ],
        ),
        (
            "projects",
            [
                "district",
                "plan",
                "name",
                "content",
                "investment_yuan",
                "investment_as_printed",
                "period_start",
                "period_end",
                "lead_units",
            ],
        ),
        (
            "measures",
            ["district", "plan", "measure", "number", "label", "sectors", "instrument_type"],
        ),
    ],
)
def test_query_columns(store, name, columns):
    got, _ = run_named(store, name)
    assert got[: len(columns)] == columns


def test_parameters_are_bound_as_terms_not_spliced(store):
    _, all_rows = run_named(store, "district-summary")
    _, rows = run_named(store, "measures", {"district": "江津区"})
    assert rows and {r["district"] for r in rows} == {"江津区"}
    injection = '江津区" || true || "'
    _, none = run_named(store, "measures", {"district": injection})
    assert none == []
    assert len(all_rows) == 3


def test_unknown_parameter_is_an_error(store):
    from plankg.query import QueryError

    with pytest.raises(QueryError, match="no parameter"):
        run_named(store, "targets", {"nope": "1"})


def test_csv_has_bom_and_round_trips_chinese(store):
    columns, rows = run_named(store, "district-summary")
    text = format_rows(columns, rows, "csv")
    assert text.startswith("\ufeff")
    back = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["district"] for r in back} == {"永川区", "荣昌区", "江津区"}


def test_sparql_and_json(store):
    columns, rows = run_sparql(store, "SELECT (COUNT(*) AS ?n) WHERE { ?p a pk:Plan }")
    assert rows[0]["n"] == str(len(PLAN_FILES))
    assert json.loads(format_rows(columns, rows, "json"))[0]["n"] == str(len(PLAN_FILES))


def test_every_record_quote_is_the_text_of_its_span(store):
    """Provenance: quote == segment text sliced at the record's offsets (relative to the plan)."""
    from plankg.ingest.document import load_plan

    texts = {}
    _, rows = run_sparql(
        store,
        """
        SELECT ?file ?b ?e ?q WHERE { ?r pk:plan ?p ; pk:beginIndex ?b ; pk:endIndex ?e ;
        pk:quote ?q . ?p pk:sourceFile ?file }""",
    )
    assert len(rows) > 100
    for r in rows:
        if r["file"] not in texts:
            texts[r["file"]] = load_plan(PLAN_FILES["000"].parent / r["file"]).text
        assert texts[r["file"]][int(r["b"]) : int(r["e"])] == r["q"]


@pytest.mark.parametrize("fmt", ["ttl", "nq", "jsonld", "trig"])
def test_export_rdf_parses_back(store_dir, tmp_path, fmt):
    out = tmp_path / f"kg.{fmt}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "plankg.cli",
            "export-rdf",
            "--format",
            fmt,
            "-o",
            str(out),
            "--store",
            str(store_dir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    formats = {
        "ttl": ox.RdfFormat.TURTLE,
        "nq": ox.RdfFormat.N_QUADS,
        "jsonld": ox.RdfFormat.JSON_LD,
        "trig": ox.RdfFormat.TRIG,
    }
    parsed = list(ox.parse(out.read_bytes(), format=formats[fmt]))
    assert len(parsed) > 1000
    assert "永川区" in out.read_text(encoding="utf-8")


def test_every_term_used_in_the_data_is_declared(store):
    """Every pk: class and property in the plan graphs is declared in ontology/plankg.ttl, and
    every concept the data points to exists in a SKOS scheme."""
    _, declared = run_sparql(
        store,
        f"""
        SELECT DISTINCT ?t WHERE {{ GRAPH <{iri.ONTOLOGY_GRAPH}> {{ ?t a ?k }} }}""",
    )
    known = {r["t"] for r in declared}
    used = set()
    for q in store.quads_for_pattern(None, None, None, None):
        if q.graph_name.value.startswith(iri.PLAN_GRAPH_PREFIX):
            used.add(q.predicate.value)
            if q.predicate.value == iri.RDF + "type" or (
                isinstance(q.object, ox.NamedNode)
                and q.object.value.startswith(
                    (iri.PK, iri.SECTOR, iri.INSTRUMENT, iri.INDICATOR, iri.UNIT_TYPE)
                )
            ):
                used.add(q.object.value)
    ours = {u for u in used if u.startswith(iri.BASE)}
    assert ours, "no plankg terms used at all"
    assert ours <= known, sorted(ours - known)


def test_the_shapes_validate_the_ingested_graph(store):
    from plankg.validate import validate_store

    reports = validate_store(store)
    assert len(reports) == len(PLAN_FILES)
    assert all(r.conforms for r in reports), [r.text[:2000] for r in reports if not r.conforms]


def test_the_shapes_catch_a_broken_record(tmp_path):
    """A target without its quote and with a bad comparator must not conform."""
    from plankg.validate import validate_store

    store = open_store(tmp_path / "s")
    g = ox.NamedNode(iri.plan_graph("broken"))
    plan = ox.NamedNode(iri.plan("broken"))
    target = ox.NamedNode(iri.plan("broken") + "/target/0-1")
    pk = iri.PK
    store.extend(
        [
            ox.Quad(plan, ox.NamedNode(iri.RDF + "type"), ox.NamedNode(pk + "Plan"), g),
            ox.Quad(target, ox.NamedNode(iri.RDF + "type"), ox.NamedNode(pk + "Target"), g),
            ox.Quad(target, ox.NamedNode(pk + "comparator"), ox.Literal("approximately"), g),
        ]
    )
    (report,) = validate_store(store)
    assert not report.conforms and report.violations >= 3


def test_a_plan_without_structure_is_ingested_as_paragraphs(tmp_path):
    plan = tmp_path / "flat.txt"
    plan.write_text(
        "这是一份没有标题的规划文字。\n到2025年，森林覆盖率达到50%。\n", encoding="utf-8"
    )
    messages: list[str] = []
    report = ingest([plan], open_store(tmp_path / "s"), jobs=1, progress=messages.append)
    assert report.ok
    assert any("warning" in m and "flat.txt" in m for m in messages)


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_named_queries_return_no_duplicate_rows(store, name):
    """The union of the plan graphs repeats shared resources (a district, a unit) once per
    plan; queries must not multiply rows because of it."""
    columns, rows = run_named(store, name)
    keys = [tuple(r[c] for c in columns) for r in rows]
    assert len(keys) == len(set(keys))


def test_investment_by_district_equals_the_projects_extracted(store):
    """The summary's investment is the sum of the extracted projects, counted once each."""
    from decimal import Decimal

    from plankg.ingest.document import load_plan
    from plankg.ingest.extract_projects import extract_projects

    expected = sum(
        (p.investment_yuan or Decimal(0))
        for key in ("000", "001", "003")
        for p in extract_projects(load_plan(PLAN_FILES[key]))
    )
    assert expected > 0
    _, rows = run_named(store, "district-summary", {"district": "永川区"})
    (row,) = rows
    assert Decimal(row["investment_yuan"]) == expected
