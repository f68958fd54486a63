"""The whole ingest of plan files, read → clean → outline → extract → map → store, in parallel
by document. Only this function knows the order of the stages."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from plankg import __version__, iri
from plankg.errors import PlankgError


@dataclass(frozen=True)
class PlanResult:
    """What one worker sends back: the plan's triples as N-Triples text, and figures."""

    path: str
    slug: str
    plan_iri: str
    graph_iri: str
    district: str | None
    title: str | None
    triples: str
    counts: dict[str, int]
    warnings: tuple[str, ...] = ()


@dataclass
class IngestReport:
    results: list[PlanResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    run_iri: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def process_plan(path: str | Path) -> PlanResult:
    """One plan through every per-document stage; raises PlankgError when it cannot be read."""
    from plankg.ingest.document import load_plan
    from plankg.ingest.extract_measures import extract_measures
    from plankg.ingest.extract_money import extract_money
    from plankg.ingest.extract_projects import extract_projects
    from plankg.ingest.extract_targets import extract_targets
    from plankg.ingest.rdf import map_document
    from plankg.store import ntriples

    doc = load_plan(path)
    warnings = () if doc.structured else (
        f"{Path(path).name}: no headings recognised; ingested as paragraphs",)
    graph = map_document(doc, measures=list(extract_measures(doc)),
                         targets=list(extract_targets(doc)), projects=list(extract_projects(doc)),
                         money=list(extract_money(doc)))
    triples = ntriples(graph.quads)
    counts = {**graph.counts, "triples": len(graph.quads)}
    return PlanResult(str(path), graph.slug, graph.plan_iri, graph.graph_iri, doc.metadata.district,
                      doc.metadata.title, triples, counts, warnings)


def _safe_process(path: str) -> PlanResult | str:
    try:
        return process_plan(path)
    except PlankgError as exc:
        return str(exc)


def ingest(paths: Iterable[str | Path], store: ox.Store, *, jobs: int | None = None,
           progress: Callable[[str], None] | None = None) -> IngestReport:
    """Ingest plan files into the store. Every plan's graph is replaced and the run recorded in
    one transaction, after all plans were processed: a failure or an interruption before that
    leaves the store as it was. Files that cannot be read are reported and skipped."""
    from plankg.store import ntriples, ontology_quads, replace_graphs

    files = [str(p) for p in paths]
    started = dt.datetime.now(dt.UTC)
    report = IngestReport()
    jobs = jobs or min(len(files), os.cpu_count() or 1)
    if jobs > 1 and len(files) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            outcomes = pool.map(_safe_process, files)
            for path, outcome in zip(files, outcomes, strict=True):
                _collect(report, path, outcome, progress)
    else:
        for path in files:
            _collect(report, path, _safe_process(path), progress)
    run = iri.run(started.isoformat())
    report.run_iri = run
    graphs = {r.graph_iri: r.triples for r in report.results}
    graphs[iri.ONTOLOGY_GRAPH] = ntriples(ontology_quads())
    replace_graphs(store, graphs, add={iri.RUNS_GRAPH: _run_triples(run, started, report)})
    return report


def _collect(report: IngestReport, path: str, outcome: PlanResult | str,
             progress: Callable[[str], None] | None) -> None:
    if isinstance(outcome, str):
        report.errors.append(outcome)
        if progress:
            progress(f"error: {outcome}")
        return
    report.results.append(outcome)
    if progress:
        c = outcome.counts
        progress(f"{Path(path).name}: {c['measures']} measures, {c['targets']} targets, "
                 f"{c['projects']} projects, {c['units']} units, {c.get('money', 0)} amounts "
                 f"of money, {c.get('flagged', 0)} flagged, {c['triples']} triples")
        for w in outcome.warnings:
            progress(f"warning: {w}")


def _run_triples(run: str, started: dt.datetime, report: IngestReport) -> str:
    from plankg.ingest.rdf import lit, pk

    ended = dt.datetime.now(dt.UTC)
    dt_type = ox.NamedNode(iri.XSD + "dateTime")
    lines = [
        f"<{run}> <{iri.RDF}type> {pk('IngestRun')} .",
        f"<{run}> <{iri.PROV}startedAtTime> {ox.Literal(started.isoformat(), datatype=dt_type)} .",
        f"<{run}> <{iri.PROV}endedAtTime> {ox.Literal(ended.isoformat(), datatype=dt_type)} .",
        f"<{run}> {pk('softwareVersion')} {lit(__version__)} .",
    ]
    for r in report.results:
        lines.append(f"<{run}> <{iri.PROV}generated> <{r.graph_iri}> .")
    return "\n".join(lines)
