"""The whole ingest of plan files, read → clean → outline → extract → map → store, in parallel
by document. `process_plan` alone knows the order of the per-document stages; `ingest` maps it
over the files on an executor (a local process pool or a Dask cluster) and writes the store."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    warnings = (
        ()
        if doc.structured
        else (f"{Path(path).name}: no headings recognised; ingested as paragraphs",)
    )
    graph = map_document(
        doc,
        measures=list(extract_measures(doc)),
        targets=list(extract_targets(doc)),
        projects=list(extract_projects(doc)),
        money=list(extract_money(doc)),
    )
    triples = ntriples(graph.quads)
    counts = {**graph.counts, "triples": len(graph.quads)}
    return PlanResult(
        str(path),
        graph.slug,
        graph.plan_iri,
        graph.graph_iri,
        doc.metadata.district,
        doc.metadata.title,
        triples,
        counts,
        warnings,
    )


def _safe_process(path: str) -> PlanResult | str:
    try:
        return process_plan(path)
    except PlankgError as exc:
        return str(exc)


# --------------------------------------------------------------------------------------------
# Executors: a local process pool, or a Dask distributed cluster


EXECUTORS = ("process", "dask")


class ExecutorError(PlankgError):
    """The executor cannot be started or reached."""

    code = "E100"


def _worker_init(parent: int) -> None:
    """In each pool worker: end when the parent ends, however it ends (SIGKILL included), so
    that no orphan keeps working or holds files the parent had open. Linux delivers SIGKILL at
    the parent's death (prctl PR_SET_PDEATHSIG); elsewhere a thread watches the parent id."""
    import signal
    import threading
    import time

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, name="plankg-parent-watch", daemon=True).start()


def map_unordered(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    executor: str = "process",
    jobs: int | None = None,
    scheduler: str | None = None,
    window: int | None = None,
) -> Iterator[tuple[int, Any]]:
    """(index, fn(item)) for every item, as they complete, with at most `window` items in
    flight (so results wait in the parent's memory a few at a time, whatever the number of
    items). `executor` "process": a local pool of `jobs` spawned workers (spawned, not forked,
    so they inherit no open store); one job or one item runs in this process. "dask": the
    Dask distributed scheduler at `scheduler`, or a LocalCluster of `jobs` workers."""
    if executor not in EXECUTORS:
        raise ExecutorError(f"unknown executor {executor!r}: use one of {', '.join(EXECUTORS)}")
    if not items:
        return
    jobs = jobs or min(len(items), os.cpu_count() or 1)
    window = window or 2 * jobs
    if executor == "dask":
        yield from _map_dask(fn, items, jobs, scheduler, window)
    elif jobs > 1 and len(items) > 1:
        yield from _map_pool(fn, items, jobs, window)
    else:
        for n, item in enumerate(items):
            yield n, fn(item)


def _map_pool(
    fn: Callable[[Any], Any], items: Sequence[Any], jobs: int, window: int
) -> Iterator[tuple[int, Any]]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
    ) as pool:
        pending: dict[Future[Any], int] = {}
        todo = iter(enumerate(items))
        try:
            for n, item in todo:
                pending[pool.submit(fn, item)] = n
                if len(pending) >= window:
                    break
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=pending.__getitem__):
                    yield pending.pop(future), future.result()
                    for m, item in todo:
                        pending[pool.submit(fn, item)] = m
                        break
        finally:
            for future in pending:
                future.cancel()


def _map_dask(
    fn: Callable[[Any], Any], items: Sequence[Any], jobs: int, scheduler: str | None, window: int
) -> Iterator[tuple[int, Any]]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ExecutorError("the dask executor needs Dask: pip install 'plankg[dask]'") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="30s")
        else:
            cluster = LocalCluster(
                n_workers=jobs,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        raise ExecutorError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    try:
        todo = iter(enumerate(items))
        index = {}
        first = []
        for n, item in todo:
            future = client.submit(fn, item, key=f"plankg-{n}-{os.getpid()}", pure=False)
            index[future.key] = n
            first.append(future)
            if len(first) >= window:
                break
        running = as_completed(first)
        for future in running:
            n = index.pop(future.key)
            result = future.result()
            future.release()
            yield n, result
            for m, item in todo:
                nxt = client.submit(fn, item, key=f"plankg-{m}-{os.getpid()}", pure=False)
                index[nxt.key] = m
                running.add(nxt)
                break
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------------------------
# Ingest


def ingest(
    paths: Iterable[str | Path],
    store: ox.Store,
    *,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
    executor: str = "process",
    scheduler: str | None = None,
    journal: Path | None = None,
    batch_bytes: int | None = None,
) -> IngestReport:
    """Ingest plan files into the store. Plans are processed in parallel (`executor`: a local
    process pool, or Dask at `scheduler`); each plan's triples go to a spool file on disk as
    soon as they come back, and, once every plan was processed, the store is written in
    batches under an undo journal (`plankg.store.write_graphs`) and the run recorded in one
    last transaction. A failure or an interruption before that record leaves the store as it
    was. Files that cannot be read are reported and skipped."""
    import dataclasses
    import tempfile

    from plankg import store as store_module

    files = [str(p) for p in paths]
    started = dt.datetime.now(dt.UTC)
    report = IngestReport()
    with tempfile.TemporaryDirectory(prefix="plankg-spool-") as spool:
        spooled: dict[int, tuple[PlanResult, Path]] = {}
        for n, outcome in map_unordered(
            _safe_process, files, executor=executor, jobs=jobs, scheduler=scheduler
        ):
            if isinstance(outcome, PlanResult):
                path = Path(spool) / f"{n}.nt"
                path.write_text(outcome.triples, encoding="utf-8")
                outcome = dataclasses.replace(outcome, triples="")
                spooled[n] = (outcome, path)
            _collect(report, files[n], outcome, progress)
        ordered = [spooled[n] for n in sorted(spooled)]
        # two files with one graph (the same plan twice): the last one wins, as ever
        last = {r.graph_iri: n for n, (r, _) in enumerate(ordered)}
        writes = [(r.graph_iri, p) for n, (r, p) in enumerate(ordered) if last[r.graph_iri] == n]
        report.results = [r for r, _ in ordered]
        run = iri.run(started.isoformat())
        report.run_iri = run

        def commit() -> None:
            ontology = {iri.ONTOLOGY_GRAPH: store_module.ntriples(store_module.ontology_quads())}
            store_module.replace_graphs(
                store, ontology, add={iri.RUNS_GRAPH: _run_triples(run, started, report)}
            )

        store_module.write_graphs(
            store,
            writes,
            run=run,
            commit=commit,
            journal=journal,
            batch_bytes=batch_bytes or store_module.BATCH_BYTES,
        )
    return report


def _collect(
    report: IngestReport,
    path: str,
    outcome: PlanResult | str,
    progress: Callable[[str], None] | None,
) -> None:
    if isinstance(outcome, str):
        report.errors.append(outcome)
        if progress:
            progress(f"error: {outcome}")
        return
    report.results.append(outcome)
    if progress:
        c = outcome.counts
        progress(
            f"{Path(path).name}: {c['measures']} measures, {c['targets']} targets, "
            f"{c['projects']} projects, {c['units']} units, {c.get('money', 0)} amounts "
            f"of money, {c.get('flagged', 0)} flagged, {c['triples']} triples"
        )
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
