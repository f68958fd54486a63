"""The `plankg` command: a thin skin over library functions.

Exit codes: 0 success; 1 some input could not be processed (each failure is reported on one line
naming the file), or `validate` found violations; 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from plankg import __version__
from plankg.errors import PlankgError
from plankg.progress import Progress, phase


def default_plans_dir() -> Path:
    """The embedded corpus: data/plans of the source tree (editable install) or the package."""
    return Path(str(resources.files("plankg.data") / "plans"))


def _store(args: argparse.Namespace, *, read_only: bool = False):
    """The embedded store, or the remote endpoint when --endpoint (or $PLANKG_ENDPOINT) is set."""
    from plankg.store import open_store

    return open_store(
        args.store,
        read_only=read_only,
        endpoint=args.endpoint,
        update_endpoint=args.update_endpoint,
    )


def _error(message: str) -> None:
    from plankg.terminal import escape_controls

    print(f"plankg: error: {escape_controls(message)}", file=sys.stderr)


def _emit(text: str, *, display: bool = True) -> None:
    """Write to stdout; text for display (tables, outlines), or any text going to a terminal,
    has its control characters escaped so that nothing in a plan or a result steers it."""
    from plankg.terminal import escape_controls

    if display or sys.stdout.isatty():
        text = escape_controls(text)
    sys.stdout.write(text)


# -- outline ----------------------------------------------------------------------------------
def cmd_outline(args: argparse.Namespace) -> int:
    from plankg.ingest.document import load_plan
    from plankg.ingest.render import outline_json, outline_tree

    doc = load_plan(args.file)
    if args.json:
        _emit(json.dumps(outline_json(doc), ensure_ascii=False, indent=1) + "\n", display=False)
    else:
        _emit(outline_tree(doc, max_depth=args.depth, rows=args.rows))
    return 0


# -- ingest, validate, export, query ------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    from plankg.ingest.document import plan_files

    files = plan_files(args.paths or [default_plans_dir()])
    if not files:
        _error("no plan files given or found")
        return 1
    store = _store(args)
    report = _ingest(args, files, store)
    print(f"ingested {len(report.results)} of {len(files)} plans into {args.store or 'the store'}")
    return 0 if report.ok else 1


def _ingest(args: argparse.Namespace, files: list[Path], store: Any) -> Any:
    """Ingest with a progress bar; errors the progress lines did not show are printed after."""
    from plankg.ingest.pipeline import ingest

    with Progress(len(files), "ingest", quiet=args.quiet) as bar:
        report = ingest(
            files, store, jobs=args.jobs, progress=bar.message, **_executor_options(args)
        )
    for e in report.errors:
        if str(e) not in bar.errors_shown:
            _error(e)
    return report


def cmd_link(args: argparse.Namespace) -> int:
    from plankg.link import link_store

    options = _executor_options(args)
    options.pop("journal")
    with phase("link", quiet=args.quiet):
        report = link_store(_store(args), top_k=args.top_k, jobs=args.jobs, **options)
    print(report.summary())
    return 0


# -- executors and the ingest journal (scale-out) ---------------------------------------------
def executor_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--executor",
        choices=("process", "dask"),
        default="process",
        help="where plans are processed: a local process pool (default) or a Dask "
        "distributed cluster",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="the Dask scheduler (tcp://HOST:PORT); default: a LocalCluster of "
        "--jobs workers on this machine",
    )


def _executor_options(args: argparse.Namespace) -> dict:
    """Executor, scheduler, and the undo journal beside the embedded store (none remote)."""
    import os

    from plankg.store import journal_path, store_path

    remote = args.endpoint or os.environ.get("PLANKG_ENDPOINT")
    return {
        "executor": args.executor,
        "scheduler": args.scheduler,
        "journal": None if remote else journal_path(store_path(args.store)),
    }


# -- synth: a synthetic corpus for benchmarks at scale -----------------------------------------
def cmd_synth(args: argparse.Namespace) -> int:
    from plankg.synth import synthesize

    r = synthesize(args.n, args.output, seed=args.seed)
    print(
        f"wrote {r.plans} plans of {r.jurisdictions} jurisdictions ({r.characters:,} "
        f"characters) to {r.folder}; ingest with PLANKG_GAZETTEER={r.gazetteer}"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from plankg.serve import DEFAULT_WORKERS, EVIDENCE_PLAN_DIRS, serve
    from plankg.store import store_path

    EVIDENCE_PLAN_DIRS[:] = args.plans  # /evidence/SLUG.html looks up plan files here

    def ready(url: str) -> None:
        print(
            f"plankg serve: listening on {url} (page at {url.rsplit('/', 1)[0]}/); Ctrl-C stops",
            flush=True,
        )

    serve(
        store_path(args.store),
        host=args.host,
        port=args.port,
        timeout_s=args.timeout,
        max_rows=args.max_rows,
        max_bytes=args.max_bytes,
        max_request_bytes=args.max_request_bytes,
        workers=args.workers or DEFAULT_WORKERS,
        heavy_workers=args.heavy_workers,
        light_s=args.light_seconds,
        worker_memory_mb=args.worker_memory,
        cors=args.cors,
        ready=ready,
    )
    return 0


def cmd_review_export(args: argparse.Namespace) -> int:
    from plankg.review import export_review_sheet

    suffix = args.output.suffix.lower().lstrip(".")
    fmt = args.format or (suffix if suffix in ("json", "xlsx") else "csv")
    n = export_review_sheet(
        _store(args, read_only=True), args.output, fmt, include_reviewed=args.include_reviewed
    )
    print(f"wrote {n} links to {args.output}")
    return 0


def cmd_review_import(args: argparse.Namespace) -> int:
    from plankg.review import import_review_sheet

    print(import_review_sheet(_store(args), args.file, reviewer=args.reviewer).summary())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from plankg.validate import validate_store

    store = _store(args, read_only=True)
    with Progress(None, "validate", quiet=args.quiet) as bar:
        reports = validate_store(store, progress=bar.message if bar.bar else None)
    for r in reports:
        status = "conforms" if r.conforms else f"{r.violations} violations"
        print(f"{r.graph}: {r.triples} triples, {status}")
        if not r.conforms and args.verbose:
            print(r.text)
    return 0 if all(r.conforms for r in reports) else 1


# -- check: doubtful facts per plan (issue 10) ------------------------------------------------
def cmd_check(args: argparse.Namespace) -> int:
    from plankg.check import check_store, format_checks

    checks = check_store(_store(args, read_only=True), args.plan or "", args.flag or "")
    sys.stdout.write(format_checks(checks, args.format))
    return 1 if args.strict and checks else 0


_RDF_FORMATS = {
    "ttl": "TURTLE",
    "nq": "N_QUADS",
    "trig": "TRIG",
    "nt": "N_TRIPLES",
    "jsonld": "JSON_LD",
    "rdfxml": "RDF_XML",
}


def cmd_export_rdf(args: argparse.Namespace) -> int:
    import pyoxigraph as ox

    from plankg.iri import PREFIXES

    store = _store(args, read_only=True)
    fmt = getattr(ox.RdfFormat, _RDF_FORMATS[args.format])
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    try:
        if fmt.supports_datasets:
            store.dump(out, format=fmt, prefixes=PREFIXES)
        else:  # a graph format: the union of all graphs
            triples = (
                ox.Triple(q.subject, q.predicate, q.object)
                for q in store.quads_for_pattern(None, None, None, None)
            )
            out.write(ox.serialize(triples, format=fmt, prefixes=PREFIXES))
    finally:
        if args.output:
            out.close()
    return 0


def cmd_export_graph(args: argparse.Namespace) -> int:
    from plankg.export import export_graph
    from plankg.graphs import build_graph

    graph = build_graph(
        _store(args, read_only=True),
        args.kind,
        district=args.district,
        include_rejected=args.include_rejected,
    )
    export_graph(graph, Path(args.output), args.format)
    print(
        f"{args.kind}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges "
        f"→ {args.output}"
    )
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from plankg.graphs import build_graph
    from plankg.plot import KEYWORD_PICTURE_EDGES, plot_graph

    graph = build_graph(
        _store(args, read_only=True),
        args.kind,
        district=args.district,
        include_rejected=args.include_rejected,
        max_edges=KEYWORD_PICTURE_EDGES,
    )  # bounds the keywords graph only
    plot_graph(graph, Path(args.output))
    print(
        f"{args.kind}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges "
        f"→ {args.output}"
    )
    return 0


def cmd_network(args: argparse.Namespace) -> int:
    from plankg.graphs import build_graph, network_figures
    from plankg.query import format_rows

    graph = build_graph(
        _store(args, read_only=True),
        args.kind,
        district=args.district,
        include_rejected=args.include_rejected,
    )
    rows = []
    for fig in network_figures(graph):
        row = {k: v for k, v in fig.items() if not isinstance(v, list)}
        for key in ("top_degree", "top_betweenness"):
            row[key] = "、".join(f"{t['label']} ({t['value']:.2f})" for t in fig.get(key, []))
        rows.append({k: None if v is None else str(v) for k, v in row.items()})
    columns = list(rows[0]) if rows else []
    sys.stdout.write(format_rows(columns, rows, args.format, max_cell=60))
    return 0


def _params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"plankg: error: parameter {pair!r} is not name=value")
        params[name.strip()] = value.strip()
    return params


def cmd_query(args: argparse.Namespace) -> int:
    from plankg.query import format_rows, named_queries, run_named

    if args.list or not args.name:
        for q in named_queries().values():
            params = " ".join(f"{p.name}={p.default}" for p in q.params)
            print(f"{q.name:<22} {q.title}" + (f"   [{params}]" if params else ""))
        return 0
    columns, rows = run_named(
        _store(args, read_only=True),
        args.name,
        _params(args.param),
        include_excluded=args.include_rejected,
    )
    _emit(
        format_rows(columns, rows, args.format, wide=args.wide),
        display=args.format in ("table", "md"),
    )
    return 0


def cmd_sparql(args: argparse.Namespace) -> int:
    from plankg.query import format_rows, run_sparql

    text = args.file.read_text(encoding="utf-8") if args.file else args.query
    if not text:
        _error("give a query or -f FILE.rq")
        return 2
    columns, rows = run_sparql(_store(args, read_only=True), text, _params(args.param))
    _emit(
        format_rows(columns, rows, args.format, wide=args.wide),
        display=args.format in ("table", "md"),
    )
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from plankg.docs import build_docs

    report = build_docs(args.output)
    print(report.summary())
    print(f"wrote {len(report.pages)} pages and index.html to {args.output}")
    return 0


# -- demo: the main job on the embedded default -----------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: ingest every plan, link across plans, validate, and compare districts."""
    from plankg.ingest.document import plan_files
    from plankg.report import district_summary
    from plankg.validate import validate_store

    files = plan_files(args.paths or [default_plans_dir()])
    store = _store(args)
    report = _ingest(args, files, store)
    print(f"ingested {len(report.results)} of {len(files)} plans into {store_location(args)}\n")
    from plankg.link import link_store

    with phase("link", quiet=args.quiet):
        linked = link_store(store)
    print(linked.summary() + "\n")
    with Progress(None, "validate", quiet=args.quiet) as bar:
        reports = validate_store(store, progress=bar.message if bar.bar else None)
    bad = [r for r in reports if not r.conforms]
    print(
        f"SHACL validation: {len(reports) - len(bad)} of {len(reports)} graphs conform"
        + "".join(f"\n  {r.graph}: {r.violations} violations" for r in bad)
        + "\n"
    )
    print(district_summary(store))
    return 0 if report.ok and not bad else 1


def store_location(args: argparse.Namespace) -> str:
    from plankg.store import store_path

    return str(store_path(args.store))


def cmd_outlines(args: argparse.Namespace) -> int:
    from plankg.ingest.document import load_plan, plan_files
    from plankg.ingest.render import plan_summary

    files = plan_files(args.paths or [default_plans_dir()])
    failed = 0
    for path in files:
        try:
            doc = load_plan(path)
        except PlankgError as exc:
            _error(str(exc))
            failed += 1
            continue
        print(plan_summary(doc))
    print(f"{len(files) - failed} of {len(files)} plans outlined")
    return 1 if failed else 0


# -- spaCy: evidence pages and annotation spans -------------------------------------------------
def cmd_evidence(args: argparse.Namespace) -> int:
    from plankg.evidence import evidence_html, find_plan
    from plankg.ingest.document import load_plan
    from plankg.iri import plan_slug

    path = find_plan(args.plan, [*args.plans, default_plans_dir()])
    doc = load_plan(path)
    output = args.output or Path(f"{plan_slug(path.stem, doc.text)}.html")
    output.write_text(evidence_html(doc), encoding="utf-8")
    print(f"wrote the evidence page of {path.name} to {output}")
    return 0


def cmd_export_spans(args: argparse.Namespace) -> int:
    from plankg.evidence import find_plan
    from plankg.ingest.document import load_plan
    from plankg.spans import export_spans

    docs = [load_plan(find_plan(p, [*args.plans, default_plans_dir()])) for p in args.plan]
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        n = export_spans(docs, out, max_chars=args.max_chars)
    finally:
        if args.output:
            out.close()
    print(f"{n} spans of {len(docs)} plans", file=sys.stderr)
    return 0


def cmd_import_spans(args: argparse.Namespace) -> int:
    from plankg.query import format_rows
    from plankg.spans import evaluate_spans

    evaluation = evaluate_spans(args.file, [*args.plans, default_plans_dir()])
    rows = evaluation.rows()
    sys.stdout.write(format_rows(list(rows[0]), rows, args.format))
    return 0


def add_nlp_commands(sub: argparse._SubParsersAction) -> None:
    """evidence, export-spans, import-spans (they need the `nlp` extra: spaCy)."""
    plans_help = (
        "a folder of plan files in which PLAN is looked up by slug (repeatable; the "
        "embedded data/plans is always searched)"
    )
    p = sub.add_parser(
        "evidence",
        help="write a plan's evidence page: its text with every "
        "extracted fact highlighted and anchored",
    )
    p.add_argument("plan", help="a plan file, or the slug of a plan (as in the store)")
    p.add_argument("-o", "--output", type=Path, help="the HTML file (default: SLUG.html)")
    p.add_argument(
        "--plans", action="append", type=Path, default=[], metavar="DIR", help=plans_help
    )
    p.set_defaults(func=cmd_evidence)

    p = sub.add_parser(
        "export-spans",
        help="write plans' facts as spans for annotation tools (Prodigy / doccano JSONL)",
    )
    p.add_argument("plan", nargs="+", help="plan files or slugs")
    p.add_argument(
        "--format",
        choices=("jsonl",),
        default="jsonl",
        help="jsonl: one {text, spans, meta} line per plan",
    )
    p.add_argument(
        "--max-chars",
        type=int,
        default=0,
        metavar="N",
        help="one line per piece of about N characters, cut at line ends that no "
        "fact spans (meta.offset says where a piece starts); default: whole plans",
    )
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p.add_argument(
        "--plans", action="append", type=Path, default=[], metavar="DIR", help=plans_help
    )
    p.set_defaults(func=cmd_export_spans)

    p = sub.add_parser(
        "import-spans",
        help="read corrected spans as an evaluation set: "
        "precision and recall of the current extraction, per label",
    )
    p.add_argument("file", type=Path, help="the corrected JSONL file")
    p.add_argument("--format", choices=("table", "csv", "json", "md"), default="table")
    p.add_argument(
        "--plans",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="where to find the plans of the file when their paths moved",
    )
    p.set_defaults(func=cmd_import_spans)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plankg",
        description="Chinese district climate and low-carbon plans as one RDF knowledge graph.",
    )
    parser.add_argument("--version", action="version", version=f"plankg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("outline", help="print the outline of one plan file")
    p.add_argument("file", type=Path, help="a plan file (UTF-8, GB18030 or UTF-16 text)")
    p.add_argument("--json", action="store_true", help="print the outline as JSON")
    p.add_argument("--depth", type=int, default=None, help="print only this many levels")
    p.add_argument("--rows", action="store_true", help="also print table rows and paragraphs")
    p.set_defaults(func=cmd_outline)

    def store_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--store",
            metavar="DIR",
            help="the embedded store (default: $PLANKG_STORE or ./plankg-store)",
        )
        p.add_argument(
            "--endpoint",
            metavar="URL",
            help="a remote SPARQL 1.1 query endpoint instead of the embedded store "
            "(Oxigraph server, Fuseki, Virtuoso; default: $PLANKG_ENDPOINT)",
        )
        p.add_argument(
            "--update-endpoint",
            metavar="URL",
            help="its SPARQL update endpoint (default: …/update beside …/query)",
        )

    def quiet_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "-q",
            "--quiet",
            action="store_true",
            help="no progress on stderr (a bar on a terminal, lines otherwise)",
        )

    p = sub.add_parser("demo", help="the main job: ingest, link, validate, compare districts")
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="plan files or folders (default: the embedded data/plans)",
    )
    p.add_argument("--jobs", type=int, default=None, help="parallel worker processes")
    quiet_option(p)
    store_option(p)
    executor_option(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("outlines", help="outline every plan and print a summary per plan")
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="plan files or folders (default: the embedded data/plans)",
    )
    p.set_defaults(func=cmd_outlines)

    p = sub.add_parser("ingest", help="ingest plan files into the store (replacing their graphs)")
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="plan files or folders (default: the embedded data/plans)",
    )
    p.add_argument("--jobs", type=int, default=None, help="parallel worker processes")
    quiet_option(p)
    store_option(p)
    executor_option(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "link",
        help="(re)build the links across plans: indicators, similar and "
        "reused measures, common parents, cross-border partners",
    )
    p.add_argument("--top-k", type=int, default=5, help="links kept per measure (default 5)")
    quiet_option(p)
    p.add_argument("--jobs", type=int, default=None, help="parallel worker processes")
    store_option(p)
    executor_option(p)
    p.set_defaults(func=cmd_link)

    p = sub.add_parser(
        "synth",
        help="write a synthetic corpus of N jurisdictions whose plans "
        "are varied from the real ones (for benchmarks at scale)",
    )
    p.add_argument("n", type=int, help="how many jurisdictions")
    p.add_argument("-o", "--output", type=Path, required=True, help="the folder to write")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser(
        "serve", help="a read-only SPARQL 1.1 endpoint and query page over the embedded store"
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    p.add_argument("--port", type=int, default=7878, help="port (default 7878; 0 picks a free one)")
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="stop a query after this many seconds (default 10)",
    )
    p.add_argument(
        "--max-rows",
        type=int,
        default=10_000,
        metavar="N",
        help="cut answers after N rows or triples (default 10000)",
    )
    p.add_argument(
        "--max-bytes",
        type=int,
        default=10 * 1024 * 1024,
        metavar="N",
        help="cut answers before N bytes (default 10 MiB)",
    )
    p.add_argument(
        "--max-request-bytes",
        type=int,
        default=256 * 1024,
        metavar="N",
        help="refuse requests larger than N bytes (default 256 KiB)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="query worker processes (default: CPUs, at most 4)",
    )
    p.add_argument(
        "--heavy-workers",
        type=int,
        default=None,
        metavar="N",
        help="workers for queries that ran past --light-seconds (default: half of "
        "--workers; 0: one lane for all)",
    )
    p.add_argument(
        "--light-seconds",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="time a query has in the light lane before it counts as heavy (default 1)",
    )
    p.add_argument(
        "--worker-memory",
        type=int,
        default=2048,
        metavar="MIB",
        help="address space of one query worker; a query past it gets 503 "
        "(default 2048; 0: no limit)",
    )
    p.add_argument(
        "--cors",
        default=None,
        metavar="ORIGIN",
        help="let browser pages from ORIGIN (or * for any) read answers and POST "
        "queries; default: no CORS headers, cross-site POSTs refused",
    )
    p.add_argument(
        "--store",
        metavar="DIR",
        help="the embedded store (default: $PLANKG_STORE or ./plankg-store)",
    )
    p.add_argument(
        "--plans",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="plan folders for the evidence pages at /evidence/SLUG.html (repeatable;"
        " default: the embedded data/plans)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("review", help="the review round trip: a sheet of links out, decisions in")
    rsub = p.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    r = rsub.add_parser(
        "export",
        help="write a sheet of the links awaiting review, both quotes "
        "side by side, with empty decision, reviewer and comment columns",
    )
    r.add_argument(
        "-o", "--output", type=Path, required=True, help="the sheet (.csv, .xlsx or .json)"
    )
    r.add_argument(
        "--format",
        choices=("csv", "xlsx", "json"),
        default=None,
        help="csv (UTF-8 with BOM), xlsx (Excel workbook with a decision drop-down) "
        "or json; default: from the extension",
    )
    r.add_argument(
        "--all",
        dest="include_reviewed",
        action="store_true",
        help="also list links already accepted or rejected, with their status",
    )
    store_option(r)
    r.set_defaults(func=cmd_review_export)
    r = rsub.add_parser(
        "import",
        help="store the decisions of a filled review sheet; a sheet "
        "with any faulty row is refused whole, with its row numbers",
    )
    r.add_argument("file", type=Path, help="the filled sheet: CSV (UTF-8) or JSON")
    r.add_argument("--reviewer", help="who reviewed, for rows whose reviewer column is empty")
    store_option(r)
    r.set_defaults(func=cmd_review_import)

    p = sub.add_parser("validate", help="check the plan graphs against the SHACL shapes")
    p.add_argument("--verbose", action="store_true", help="print pySHACL's report")
    quiet_option(p)
    store_option(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "check",
        help="list, per plan, the facts that failed a plausibility check (flagged at ingest)",
    )
    p.add_argument("--plan", help="only the plan with this title")
    p.add_argument("--flag", help="only this flag (unitMismatch, yearOutsidePeriod, …)")
    p.add_argument("--format", choices=("table", "csv", "json", "md"), default="table")
    p.add_argument("--strict", action="store_true", help="exit 1 when any fact is flagged")
    store_option(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("export-rdf", help="write the store as RDF")
    p.add_argument(
        "--format",
        choices=sorted(_RDF_FORMATS),
        default="nq",
        help="ttl/nt/rdfxml (union of all graphs) or nq/trig/jsonld (named graphs)",
    )
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    store_option(p)
    p.set_defaults(func=cmd_export_rdf)

    p = sub.add_parser("query", help="run a named query from queries/")
    p.add_argument("name", nargs="?", help="the query's name (see --list)")
    p.add_argument("--list", action="store_true", help="list the named queries")
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="bind a parameter (repeatable)",
    )
    p.add_argument("--format", choices=("table", "csv", "json", "md"), default="table")
    p.add_argument(
        "--wide",
        action="store_true",
        help="tables: do not clip long cells (IRIs are still shortened with prefixes)",
    )
    p.add_argument(
        "--include-rejected",
        action="store_true",
        help="keep rows of links a reviewer rejected (left out by default)",
    )
    store_option(p)
    p.set_defaults(func=cmd_query)

    def graph_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "kind",
            choices=("measures", "units", "cross-border", "indicators", "keywords"),
            help="which graph",
        )
        p.add_argument(
            "--district",
            "--jurisdiction",
            dest="district",
            help="only this jurisdiction of any level: district, city, province … "
            "(Chinese or English name, code)",
        )
        p.add_argument(
            "--include-rejected",
            action="store_true",
            help="keep links a reviewer rejected (left out by default)",
        )
        store_option(p)

    p = sub.add_parser("export-graph", help="write a link graph for Gephi, Cytoscape, yEd, Excel")
    graph_options(p)
    p.add_argument(
        "--format",
        choices=("graphml", "gexf", "json", "cytoscape", "html", "csv"),
        required=True,
        help="graphml (Cytoscape, yEd), gexf (Gephi), json (node-link, D3), cytoscape "
        "(Cytoscape.js elements, .cyjs), html (a page to explore), csv (Excel)",
    )
    p.add_argument("-o", "--output", required=True, help="the file to write")
    p.set_defaults(func=cmd_export_graph)

    p = sub.add_parser("plot", help="draw a graph as SVG (text kept as text) or PNG")
    graph_options(p)
    p.add_argument("-o", "--output", required=True, help="FILE.svg or FILE.png")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser(
        "network", help="network figures per district: density, most central nodes, components"
    )
    graph_options(p)
    p.add_argument("--format", choices=("table", "csv", "json", "md"), default="table")
    p.set_defaults(func=cmd_network)

    p = sub.add_parser(
        "docs",
        help="write HTML documentation of the ontology (pyLODE) and of every SKOS concept scheme",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("docs/ontology"),
        help="the folder to write (default: docs/ontology)",
    )
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("sparql", help="run a SPARQL query given inline or in a file")
    p.add_argument("query", nargs="?", help="the query text")
    p.add_argument("-f", "--file", type=Path, help="a .rq file")
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="bind a variable (repeatable)",
    )
    p.add_argument("--format", choices=("table", "csv", "json", "md"), default="table")
    p.add_argument("--wide", action="store_true", help="tables: do not clip long cells")
    store_option(p)
    p.set_defaults(func=cmd_sparql)
    add_nlp_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except PlankgError as exc:
        _error(str(exc))
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
