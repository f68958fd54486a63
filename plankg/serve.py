"""`plankg serve`: a read-only SPARQL 1.1 Protocol endpoint over the embedded store.

    GET/POST /sparql (or /query)   the SPARQL 1.1 Protocol: `?query=`, a form body `query=…`, or a
                                   direct `application/sparql-query` body; `default-graph-uri` and
                                   `named-graph-uri` name graphs of this store
    GET /                          YASGUI (shipped in plankg) on /sparql, with the named queries
    GET /static/FILE               the page's files (plankg/static/, YASGUI and its licence)
    GET /queries                   the named queries as JSON (title, description, parameters)
    GET /queries/NAME?p=v          a named query, parameters bound as `plankg query` binds them
    GET /status                    query workers per lane, idle ones, ready spares (JSON)
    GET /static/FILE               a file shipped in plankg/static/ (scripts of the query page)

Results: SELECT and ASK as SPARQL JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE as Turtle,
N-Triples or RDF/XML; chosen by the `Accept` header or a `format=` parameter (json, xml, csv,
tsv, ttl, nt, rdfxml). A format that does not fit the query form falls back to the form's
default (JSON, Turtle) rather than failing. Queries see the union of all graphs, with the
prefixes of `plankg.iri.PREFIXES` predeclared, like `plankg sparql`.

Safe by default:
- bound to 127.0.0.1 unless another host is given;
- read-only: SPARQL Update in any form (`update=`, `application/sparql-update`, an update sent
  as a query, LOAD) is answered 403;
- every query is parsed by rdflib's SPARQL 1.1 parser before it runs: `SERVICE` (Oxigraph would
  call the remote endpoint) is refused with 403, and so is a `FROM`/`FROM NAMED`/
  `default-graph-uri`/`named-graph-uri` naming a graph that is not in this store (nothing is
  ever fetched); a query rdflib cannot parse is refused with 400. Comments and strings are
  tokens of the parser, so `# SERVICE` or `"SERVICE"` do not trip it;
- queries run in a small pool of worker processes, each holding `Store.read_only(path)`; when a
  query passes the time limit its worker is killed (the work really stops) and replaced, and
  the client gets 503 `timeout`. When every worker stays busy for the whole time limit the
  client gets 503 `busy`;
- results are cut after `max_rows` rows (triples for CONSTRUCT/DESCRIBE) or before `max_bytes`
  bytes, always at a row boundary so the document stays valid; a cut answer carries the header
  `X-Plankg-Truncated: max_rows=N` or `max_bytes=N` (and `"truncated"` in /queries JSON);
- request bodies and URLs larger than `max_request_bytes` get 413;
- every error is one JSON shape, `{"error": {"code": "...", "message": "...", "status": N}}`,
  never a stack trace.

Responses allow any origin (CORS `*`) so that browser clients such as YASGUI can query: the data
is read-only and the server listens on loopback by default.

The store is opened read-only by each worker when the server starts; pyoxigraph documents that
reading while another process writes is undefined, so stop the server before `plankg ingest`.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import functools
import io
import json
import multiprocessing
import os
import queue
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

from plankg.errors import PlankgError
from plankg.iri import PREFIXES

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_REQUEST_BYTES = 256 * 1024
DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))
DEFAULT_LIGHT_S = 1.0  # a query's time in the light lane before it counts as heavy
DEFAULT_HEAVY_WAIT_S = 1.0
DEFAULT_SPARES = 1  # warm workers kept ready to replace a killed one  # how long a heavy query may wait for a heavy worker
DEFAULT_WORKER_MEMORY_MB = 2048  # address space of one worker; idle ones map about 560–670 MiB
RETRY_AFTER_S = 2
LISTEN_BACKLOG = 1024  # the kernel caps it at net.core.somaxconn
WORKER_START_S = 60.0  # a worker imports rdflib and opens the store; generous on a slow disk
TRUNCATED_HEADER = "X-Plankg-Truncated"
SPARQL_PATHS = ("/sparql", "/query")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class ServeError(PlankgError):
    """The endpoint cannot start: no store, a port in use, bad limits."""

    code = "E070"


# -- formats ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Format:
    """One serialisation: its short name (`format=`), media types (first is sent) and kind."""

    name: str
    media_types: tuple[str, ...]
    kind: str  # "results" (SELECT, ASK) or "graph" (CONSTRUCT, DESCRIBE)
    aliases: tuple[str, ...] = ()


FORMATS = (
    Format(
        "json",
        (
            "application/sparql-results+json",
            "application/json",
            "text/javascript",
            "application/javascript",
        ),
        "results",
    ),
    Format("xml", ("application/sparql-results+xml", "application/xml", "text/xml"), "results"),
    Format("csv", ("text/csv",), "results"),
    Format("tsv", ("text/tab-separated-values",), "results"),
    Format(
        "ttl", ("text/turtle", "application/turtle", "application/x-turtle"), "graph", ("turtle",)
    ),
    Format("nt", ("application/n-triples", "text/plain"), "graph", ("ntriples", "n-triples")),
    Format("rdfxml", ("application/rdf+xml",), "graph", ("rdf", "rdf+xml", "xml")),
)
DEFAULT_FORMAT = {"results": "json", "graph": "ttl"}
_RDF_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def _accepted(accept: str) -> list[str]:
    """Media types of an Accept header, best first (q-values honoured, q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for p in params:
            key, _, value = p.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranked.append((-q, i, media.lower()))
    return [m for _, _, m in sorted(ranked)]


def choose_format(kind: str, accept: str = "", requested: str = "") -> Format:
    """The format for a result of `kind`: the `format=` parameter (a short name or a media type)
    if it fits, else the best fitting Accept type, else the kind's default."""
    fitting = [f for f in FORMATS if f.kind == kind]
    wanted = requested.strip().lower()
    if wanted:
        for f in fitting:
            if wanted == f.name or wanted in f.aliases or wanted in f.media_types:
                return f
    for media in _accepted(accept):
        for f in fitting:
            if media in f.media_types:
                return f
        if media in ("*/*", "application/*", "text/*"):
            break
    return next(f for f in fitting if f.name == DEFAULT_FORMAT[kind])


def choose_table_format(accept: str = "", requested: str = "") -> str:
    """The format of a named query's rows: `format=` (json or csv), else CSV when the Accept
    header asks for it, else JSON. Raises Refusal for another `format=`."""
    if requested:
        if requested not in ("json", "csv"):
            raise Refusal(400, "bad-format", "format is json or csv for named queries")
        return requested
    return "csv" if "text/csv" in _accepted(accept) else "json"


def _content_type(fmt: Format) -> str:
    return f"{fmt.media_types[0]}; charset=utf-8"


# -- serialisers: pyoxigraph's own, cut at a row boundary when a limit is reached ----------------
_RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
BOM = "\ufeff"


@dataclass
class Body:
    """A serialised answer and, when a limit cut it, why (`max_rows=N` / `max_bytes=N`)."""

    data: bytes
    truncated: str = ""


class _Writer:
    """Collects UTF-8 pieces while they fit in `max_bytes`; `add` says False once one does not."""

    def __init__(self, max_bytes: int, reserve: int) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = max_bytes - reserve  # room for the closing text

    def add(self, text: str) -> bool:
        data = text.encode("utf-8")
        if self.size + len(data) > self.limit:
            return False
        self.parts.append(data)
        self.size += len(data)
        return True

    def close(self, tail: str) -> bytes:
        return b"".join(self.parts) + tail.encode("utf-8")


def _tsv_term(t: Any) -> str:
    return "" if t is None else str(t)  # pyoxigraph writes terms in N-Triples syntax


def human_csv(data: bytes) -> bytes:
    """A CSV for people: UTF-8 with a BOM (Excel then reads Chinese correctly) and no cell a
    spreadsheet would run as a formula (plankg.sheets)."""
    from plankg.sheets import neutralise_row

    rows = csv.reader(io.StringIO(data.decode("utf-8").removeprefix(BOM), newline=""))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(neutralise_row(r) for r in rows)
    return (BOM + buf.getvalue()).encode("utf-8")


def _results(variables: list[str], rows: list[str], fmt: Format) -> bytes:
    """Rows (TSV lines) written by pyoxigraph's serialiser for `fmt`."""
    tsv = "\t".join("?" + v for v in variables) + "\n" + "".join(rows)
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    data = parsed.serialize(format=_RESULT_FORMATS[fmt.name]) or b""
    return human_csv(data) if fmt.name == "csv" else data


def serialize_solutions(
    variables: list[str], solutions: Iterable[Any], fmt: Format, *, max_rows: int, max_bytes: int
) -> Body:
    """SELECT results in `fmt`, cut after max_rows rows or before max_bytes bytes.

    The kept rows pass through pyoxigraph's TSV reader into its own JSON, XML, CSV or TSV
    writer (so escaping is Oxigraph's, not ours); cutting happens before that, on rows."""
    rows: list[str] = []
    size, truncated = 0, ""
    for i, solution in enumerate(solutions):
        if i >= max_rows:
            truncated = f"max_rows={max_rows}"
            break
        line = "\t".join(_tsv_term(solution[v]) for v in variables) + "\n"
        size += len(line.encode("utf-8"))
        if size > max_bytes:  # TSV is the tersest form: the others are at least as long
            truncated = f"max_bytes={max_bytes}"
            break
        rows.append(line)
    data = _results(variables, rows, fmt)
    while len(data) > max_bytes and rows:  # JSON and XML are longer: keep fewer rows
        keep = min(len(rows) - 1, int(len(rows) * max_bytes / len(data) * 0.95))
        rows, truncated = rows[: max(keep, 0)], f"max_bytes={max_bytes}"
        data = _results(variables, rows, fmt)
    return Body(data, truncated)


def serialize_boolean(value: Any, fmt: Format) -> Body:
    """An ASK answer in `fmt`, by pyoxigraph (a QueryBoolean), or a plain bool."""
    if not isinstance(value, ox.QueryBoolean):
        value = ox.parse_query_results(
            '{"head": {}, "boolean": %s}' % ("true" if value else "false"),
            format=ox.QueryResultsFormat.JSON,
        )
    data = value.serialize(format=_RESULT_FORMATS[fmt.name]) or b""
    return Body(human_csv(data) if fmt.name == "csv" else data)


def serialize_triples(
    triples: Iterable[ox.Triple], fmt: Format, *, max_rows: int, max_bytes: int
) -> Body:
    """CONSTRUCT/DESCRIBE results in `fmt`, cut after max_rows triples or when their N-Triples
    form would pass max_bytes (Turtle is never longer than N-Triples, RDF/XML may be)."""
    kept: list[ox.Triple] = []
    size, truncated = 0, ""
    for i, t in enumerate(triples):
        if i >= max_rows:
            truncated = f"max_rows={max_rows}"
            break
        size += len(str(t).encode("utf-8")) + 3
        if size > max_bytes:
            truncated = f"max_bytes={max_bytes}"
            break
        kept.append(t)
    data = ox.serialize(kept, format=_RDF_FORMATS[fmt.name], prefixes=PREFIXES) or b""
    return Body(data, truncated)


# -- refusals: what a query may not do, read from rdflib's parse tree --------------------------
class Refusal(Exception):
    """A request the endpoint will not serve; becomes the JSON error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _nodes(node: Any) -> Iterator[Any]:
    """Every CompValue of an rdflib parse tree, depth first."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
        for value in node:
            yield from _nodes(value)


def _field(node: Any, key: str) -> Any:
    """A parse-tree field or None (CompValue.get answers a missing key with the key itself)."""
    return node[key] if key in node else None  # noqa: SIM401  (see above: .get lies)


def _iri(value: Any, prefixes: Mapping[str, str]) -> str:
    """An IRI of the parse tree: a full IRI, or a prefixed name resolved with the query's and
    the predeclared prefixes."""
    if getattr(value, "name", None) == "pname":
        prefix = _field(value, "prefix") or ""
        return prefixes.get(prefix, prefix + ":") + (_field(value, "localname") or "")
    return str(value)


@dataclass(frozen=True)
class Checked:
    """What the safety check found in a query: the graphs its FROM / FROM NAMED name."""

    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()


@functools.lru_cache(maxsize=256)  # parsing costs tens of ms; clients repeat their queries
def check_query(text: str) -> Checked:
    """Parse `text` with rdflib's SPARQL 1.1 parser and refuse updates, LOAD and SERVICE.

    Raises Refusal (403 for what is not allowed, 400 for what does not parse)."""
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        tree = parseQuery(text)
    except Exception as query_exc:  # pyparsing raises several kinds
        try:
            parseUpdate(text)
        except Exception:  # not an update either: report the query error
            message = str(query_exc).split("\n")[0]
            raise Refusal(
                400, "malformed-query", f"the query does not parse as SPARQL 1.1: {message}"
            ) from None
        raise Refusal(
            403,
            "update-refused",
            "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, …) is refused",
        ) from None
    prefixes = dict(PREFIXES)
    from_graphs: list[str] = []
    from_named: list[str] = []
    for node in _nodes(tree):
        if not isinstance(node, CompValue):
            continue
        if node.name == "PrefixDecl":
            prefixes[_field(node, "prefix") or ""] = str(_field(node, "iri"))
        elif node.name == "ServiceGraphPattern":
            raise Refusal(
                403,
                "service-refused",
                "SERVICE is refused: this endpoint does not "
                f"call other endpoints (SERVICE {_iri(_field(node, 'term'), prefixes)})",
            )
        elif node.name == "DatasetClause":
            if _field(node, "default") is not None:
                from_graphs.append(_iri(node["default"], prefixes))
            if _field(node, "named") is not None:
                from_named.append(_iri(node["named"], prefixes))
    return Checked(tuple(from_graphs), tuple(from_named))


def _local_graphs(store: ox.Store, iris: Iterable[str], what: str) -> list[ox.NamedNode]:
    """The store's named graphs for `iris`; a graph the store lacks is refused, never fetched."""
    out = []
    for value in iris:
        try:
            node = ox.NamedNode(value)
        except ValueError:
            raise Refusal(
                400,
                "malformed-query",
                f"{what} <{value}> is not an absolute IRI",
            ) from None
        if not store.contains_named_graph(node):
            raise Refusal(
                403,
                "remote-graph-refused",
                f"{what} <{value}> is not a graph of this store; this endpoint never "
                "fetches remote data (GET /sparql?query=SELECT DISTINCT ?g WHERE "
                "{GRAPH ?g {}} lists the graphs)",
            )
        out.append(node)
    return out


def _expand_escapes(text: str) -> str:
    """The query with SPARQL's \\uXXXX and \\UXXXXXXXX escapes expanded (as the grammar
    expands them before parsing)."""
    import re

    def one(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except ValueError:
            return match.group(0)

    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})", one, text)


# -- the work a worker does -----------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """Caps on one answer."""

    max_rows: int = DEFAULT_MAX_ROWS
    max_bytes: int = DEFAULT_MAX_BYTES
    memory_mb: int = 0  # address space of a worker (RLIMIT_AS); 0 leaves it unlimited


@dataclass(frozen=True)
class Reply:
    """An answer to send: status, media type, body, extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def error_reply(status: int, code: str, message: str) -> Reply:
    """The one JSON shape of every error; 503 and 429 say when to come back (Retry-After)."""
    body = json.dumps(
        {"error": {"code": code, "message": message, "status": status}}, ensure_ascii=False
    ).encode("utf-8")
    headers = (("Retry-After", str(RETRY_AFTER_S)),) if status in (429, 503) else ()
    return Reply(status, "application/json; charset=utf-8", body + b"\n", headers)


def _reply(body: Body, content_type: str) -> Reply:
    headers = ((TRUNCATED_HEADER, body.truncated),) if body.truncated else ()
    return Reply(200, content_type, body.data, headers)


def run_sparql_job(store: ox.Store, job: Mapping[str, Any], limits: Limits) -> Reply:
    """Check and run one SPARQL Protocol query and serialise its answer."""
    checked = check_query(job["query"])
    # the protocol's dataset parameters take precedence over FROM / FROM NAMED in the query
    default_iris = job.get("default_graph_uri") or checked.from_graphs
    named_iris = job.get("named_graph_uri") or checked.from_named
    options: dict[str, Any] = {"prefixes": PREFIXES}
    if default_iris or named_iris:
        options["default_graph"] = _local_graphs(store, default_iris, "default graph")
        options["named_graphs"] = _local_graphs(store, named_iris, "named graph")
    else:
        options["use_default_graph_as_union"] = True
    try:
        result = store.query(job["query"], **options)
        accept, requested = job.get("accept", ""), job.get("format", "")
        if isinstance(result, ox.QuerySolutions):
            fmt = choose_format("results", accept, requested)
            variables = [v.value for v in result.variables]
            body = serialize_solutions(
                variables, result, fmt, max_rows=limits.max_rows, max_bytes=limits.max_bytes
            )
        elif isinstance(result, ox.QueryTriples):
            fmt = choose_format("graph", accept, requested)
            body = serialize_triples(
                result, fmt, max_rows=limits.max_rows, max_bytes=limits.max_bytes
            )
        else:
            fmt = choose_format("results", accept, requested)
            body = serialize_boolean(result, fmt)
    except SyntaxError as exc:
        raise Refusal(400, "malformed-query", f"the query does not parse: {exc}") from None
    except RuntimeError as exc:  # the engine refuses to evaluate (an unknown function, …)
        message = " ".join(str(exc).split())[:300]
        raise Refusal(400, "query-failed", f"the query cannot run: {message}") from None
    except OSError as exc:
        # The worker cannot open network sockets (plankg.sandbox), so a SERVICE that got past
        # the parse check fails inside the engine (EACCES, or a scheme its client refuses).
        # Which error it is only chooses the message: nothing left the machine either way.
        if isinstance(exc, PermissionError) or "service" in _expand_escapes(job["query"]).lower():
            raise Refusal(
                403,
                "service-refused",
                "SERVICE is refused: this endpoint does not "
                "call other endpoints (the query tried to reach the network)",
            ) from None
        raise Refusal(500, "query-failed", f"the query failed: {exc}") from None
    return _reply(body, _content_type(fmt))


def run_named_job(store: ox.Store, job: Mapping[str, Any], limits: Limits) -> Reply:
    """Run a named query through `plankg.query.run_named` (same binding, same exclusions) and
    give its rows as JSON `{"query", "columns", "rows", "truncated"}` or CSV."""
    from plankg.query import QueryError, format_rows, run_named

    try:
        columns, rows = run_named(
            store, job["name"], job["params"], include_excluded=job["include_rejected"]
        )
    except QueryError as exc:
        raise Refusal(400, "bad-parameter", exc.message) from None
    truncated = ""
    if len(rows) > limits.max_rows:
        rows, truncated = rows[: limits.max_rows], f"max_rows={limits.max_rows}"
    if job["format"] == "csv":
        data = format_rows(columns, rows, "csv").encode("utf-8")
        while len(data) > limits.max_bytes and rows:  # rare: halve until it fits
            rows, truncated = rows[: len(rows) // 2], f"max_bytes={limits.max_bytes}"
            data = format_rows(columns, rows, "csv").encode("utf-8")
        return _reply(Body(data, truncated), "text/csv; charset=utf-8")
    out = _Writer(limits.max_bytes, 64)
    out.add(
        json.dumps({"query": job["name"], "columns": columns}, ensure_ascii=False)[:-1]
        + ', "rows": [\n'
    )
    for i, r in enumerate(rows):
        if not out.add(("," if i else "") + json.dumps(r, ensure_ascii=False) + "\n"):
            truncated = f"max_bytes={limits.max_bytes}"
            break
    data = out.close(f'], "truncated": {json.dumps(truncated or None)}}}\n')
    return _reply(Body(data, truncated), "application/json; charset=utf-8")


def _watch_parent(parent: int) -> None:
    """End this worker when the server is gone (killed without a chance to stop its workers)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _worker_main(store_path: str, conn: Connection, limits: Limits, parent: int) -> None:
    """A worker process: open the store read-only, say ready, answer jobs until the pipe ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    from plankg.sandbox import SandboxError, isolate

    try:
        # first, while this process has one thread: no network for the engine, ever
        isolate()
    except SandboxError as exc:
        conn.send(("failed", f"cannot cut the query worker off the network: {exc.message}"))
        return
    if limits.memory_mb:
        import resource

        # a query past this fails to allocate: Python raises MemoryError, Rust aborts the
        # process; either way the server answers 503 and a fresh worker takes this one's place
        size = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    try:
        store = ox.Store.read_only(store_path)
        check_query("ASK {}")  # import rdflib and warm its parser before the first request
    except (OSError, MemoryError) as exc:
        conn.send(
            (
                "failed",
                f"{exc} (is --worker-memory too small?)"
                if isinstance(exc, MemoryError)
                else str(exc),
            )
        )
        return
    conn.send(("ready", ""))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            run = run_named_job if job["kind"] == "named" else run_sparql_job
            reply = run(store, job, limits)
        except Refusal as exc:
            reply = error_reply(exc.status, exc.code, exc.message)
        except MemoryError:
            reply = error_reply(503, "out-of-memory", _memory_message(limits))
        except Exception as exc:  # the worker must answer, never die on a query
            reply = error_reply(500, "internal-error", f"the query failed ({type(exc).__name__})")
        conn.send(reply)


def _memory_message(limits: Limits) -> str:
    return (
        f"the query needed more than the {limits.memory_mb} MiB a query worker may use and "
        "was stopped; narrow it (LIMIT, more specific patterns) or ask for a larger "
        "--worker-memory"
    )


# -- the pool of workers ------------------------------------------------------------------------
@dataclass(eq=False)  # hashed by identity: a set holds the live ones
class _Worker:
    process: Any  # multiprocessing.context.SpawnProcess
    conn: Connection

    def stop(self) -> None:
        """Kill the process at once (a query in Rust does not look at signals it could catch)."""
        self.process.kill()
        self.process.join(5)
        self.conn.close()


@dataclass
class Lane:
    """Worker processes holding the store read-only; a query past its time limit kills its
    worker, and a fresh one takes its place."""

    store_path: str
    size: int = DEFAULT_WORKERS
    limits: Limits = field(default_factory=Limits)
    name: str = "light"
    # warm spare workers shared by the lanes: a killed worker is replaced at once from here
    # (starting a process costs seconds of CPU under load), and the spare is made again later
    reserve: queue.Queue[_Worker] | None = None
    _idle: queue.Queue[_Worker] = field(default_factory=queue.Queue, init=False)
    _all: set[_Worker] = field(default_factory=set, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _closed: bool = field(default=False, init=False)
    _failure: str = field(default="", init=False)  # why the last worker did not start

    def start(self) -> None:
        """Start every worker and wait until each has opened the store."""
        threads = [threading.Thread(target=self._add_worker) for _ in range(self.size)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self._idle.qsize() < self.size:
            self.close()
            if self._failure:
                raise ServeError(
                    f"the query worker processes did not start: {self._failure}",
                    path=self.store_path,
                )
            raise ServeError(
                "the query worker processes did not start: is the store readable "
                "(stop any `plankg ingest` writing it), and is serve() called under "
                "`if __name__ == '__main__':` in a script?",
                path=self.store_path,
            )

    def _add_worker(self, into_reserve: bool = False) -> None:
        ctx = multiprocessing.get_context("spawn")  # never fork a threaded server
        parent_conn, child_conn = ctx.Pipe()
        process = ctx.Process(
            target=_worker_main,
            name=f"plankg-serve-{self.name}",
            daemon=True,
            args=(self.store_path, child_conn, self.limits, os.getpid()),
        )
        try:
            process.start()
        except (OSError, RuntimeError):  # no processes left, or spawned from an unguarded script
            child_conn.close()
            parent_conn.close()
            return
        child_conn.close()
        worker = _Worker(process, parent_conn)
        ok = False
        if parent_conn.poll(WORKER_START_S):
            with contextlib.suppress(EOFError, OSError):
                status, detail = parent_conn.recv()
                ok = status == "ready"
                if not ok:
                    self._failure = detail
        with self._lock:
            if ok and not self._closed:
                if into_reserve and self.reserve is not None:
                    self.reserve.put(worker)  # no lane's until one takes it; the pool stops it
                else:
                    self._all.add(worker)
                    self._idle.put(worker)
                return
        worker.stop()

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
            closed = self._closed
        worker.stop()
        if closed:
            return
        spare = None
        if self.reserve is not None:
            with contextlib.suppress(queue.Empty):
                spare = self.reserve.get_nowait()
        if spare is not None and spare.process.is_alive():
            with self._lock:
                self._all.add(spare)
            self._idle.put(spare)
            threading.Thread(target=self._add_worker, args=(True,), daemon=True).start()
        else:
            threading.Thread(target=self._add_worker, daemon=True).start()

    def fill_reserve(self, count: int) -> None:
        """Start `count` spare workers into the shared reserve (in the background)."""
        for _ in range(count):
            threading.Thread(target=self._add_worker, args=(True,), daemon=True).start()

    def acquire(self, wait_s: float) -> _Worker | None:
        """An idle worker within wait_s, or None."""
        try:
            return self._idle.get(timeout=max(0.0, wait_s))
        except queue.Empty:
            return None

    def run_on(self, worker: _Worker, job: Mapping[str, Any], run_s: float) -> Reply | None:
        """Run a job on an acquired worker; None when it ran past run_s (the worker is then
        killed and replaced)."""
        try:
            worker.conn.send(job)
        except OSError:
            return self.died(worker)
        return self.finish(worker, time.monotonic() + run_s)

    def finish(self, worker: _Worker, deadline: float, *, kill: bool = True) -> Reply | None:
        """Wait until `deadline` for the worker's answer; give the worker back when it comes.
        None when it does not: the worker is killed and replaced (or, with kill=False, left
        running for the caller to decide)."""
        try:
            if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                reply = worker.conn.recv()
                self._idle.put(worker)
                return reply
        except (EOFError, OSError):
            return self.died(worker)
        if kill:
            self._replace(worker)
        return None

    def died(self, worker: _Worker) -> Reply:
        """The answer for a worker that ended mid-query; a fresh one takes its place."""
        worker.process.join(2)
        code = worker.process.exitcode
        self._replace(worker)
        if self.limits.memory_mb and code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV):
            # Rust aborts when an allocation fails under RLIMIT_AS
            return error_reply(503, "out-of-memory", _memory_message(self.limits))
        return error_reply(500, "worker-died", "the query worker ended unexpectedly")

    def release(self, worker: _Worker) -> None:
        """Give an idle worker (back) to this lane."""
        self._idle.put(worker)

    def take(self, worker: _Worker) -> None:
        """Make a worker of another lane this lane's (it keeps whatever it is running)."""
        with self._lock:
            self._all.add(worker)

    def give_up(self, worker: _Worker) -> None:
        """Forget a worker that another lane takes."""
        with self._lock:
            self._all.discard(worker)

    def kill(self, worker: _Worker) -> None:
        """Stop a running worker and start a fresh one in its place."""
        self._replace(worker)

    def run(self, job: Mapping[str, Any], timeout_s: float) -> Reply:
        """Run a job on an idle worker within timeout_s (waiting for a worker counts)."""
        started = time.monotonic()
        worker = self.acquire(timeout_s)
        if worker is None:
            return busy_reply(timeout_s)
        reply = self.run_on(worker, job, timeout_s - (time.monotonic() - started))
        return reply if reply is not None else timeout_reply(timeout_s)

    def close(self) -> None:
        """Kill every worker."""
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()


def busy_reply(waited_s: float) -> Reply:
    return error_reply(
        503, "busy", f"every query worker stayed busy for {waited_s:g} s; try again later"
    )


def heavy_busy_reply() -> Reply:
    return error_reply(
        503,
        "busy",
        "this query is a heavy one and every worker for heavy queries is busy; try again later",
    )


def timeout_reply(timeout_s: float) -> Reply:
    return error_reply(
        503,
        "timeout",
        f"the query ran longer than {timeout_s:g} s and was "
        "stopped; narrow it (LIMIT, more specific patterns) or ask for a "
        "longer --timeout",
    )


_COMMENT = re.compile(r"(?:^|(?<=\s))#[^\n\r]*")


def _fingerprint(job: Mapping[str, Any]) -> str:
    """What identifies a job's cost: its query with comments and runs of white space dropped
    (a client that varies only a comment is still recognised as sending a heavy query), the
    dataset and the parameters; the answer format does not count."""
    key = {k: v for k, v in job.items() if k not in ("accept", "format")}
    if "query" in key:
        key["query"] = " ".join(_COMMENT.sub(" ", key["query"]).split())
    return json.dumps(key, sort_keys=True, ensure_ascii=False)


@dataclass
class WorkerPool:
    """Two lanes of query workers, so that heavy queries cannot starve light ones.

    Every query starts in the light lane. One still running after `light_s` seconds is heavy:
    its worker moves, query and all, to the heavy lane, and an idle heavy worker takes its place
    in the light lane. When no heavy worker is idle the query is stopped and answered 503 with
    Retry-After: admission by cost, so heavy queries never queue where light ones wait. Queries
    once found heavy (the last 1024, by text without comments, and parameters) go to the heavy
    lane directly, waiting at most `heavy_wait_s` for a heavy worker. `spares` warm workers
    stand by to replace a killed one at once. With `heavy_size` 0 there is one lane and every
    query has the whole time limit in it."""

    store_path: str
    size: int = DEFAULT_WORKERS
    limits: Limits = field(default_factory=Limits)
    heavy_size: int = 0
    light_s: float = DEFAULT_LIGHT_S
    heavy_wait_s: float = DEFAULT_HEAVY_WAIT_S
    spares: int = DEFAULT_SPARES
    light: Lane = field(init=False)
    heavy: Lane | None = field(init=False, default=None)
    _heavy_seen: collections.OrderedDict[str, None] = field(
        default_factory=collections.OrderedDict, init=False
    )
    _seen_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._reserve: queue.Queue[_Worker] = queue.Queue()
        reserve = self._reserve if self.spares > 0 else None
        self.light = Lane(self.store_path, self.size, self.limits, "light", reserve)
        if self.heavy_size > 0:
            self.heavy = Lane(self.store_path, self.heavy_size, self.limits, "heavy", reserve)

    def start(self) -> None:
        """Start both lanes' workers, then the spares (in the background)."""
        self.light.start()
        if self.heavy is not None:
            try:
                self.heavy.start()
            except ServeError:
                self.light.close()
                raise
        self.light.fill_reserve(self.spares)

    def _is_heavy(self, key: str) -> bool:
        with self._seen_lock:
            if key in self._heavy_seen:
                self._heavy_seen.move_to_end(key)
                return True
            return False

    def _mark_heavy(self, key: str) -> None:
        with self._seen_lock:
            self._heavy_seen[key] = None
            while len(self._heavy_seen) > 1024:
                self._heavy_seen.popitem(last=False)

    def run(self, job: Mapping[str, Any], timeout_s: float) -> Reply:
        """Run a job within timeout_s in the lane its cost calls for."""
        if self.heavy is None or timeout_s <= self.light_s:
            return self.light.run(job, timeout_s)
        started = time.monotonic()
        deadline = started + timeout_s
        key = _fingerprint(job)
        if self._is_heavy(key):
            worker = self.heavy.acquire(min(self.heavy_wait_s, timeout_s))
            if worker is None:
                return heavy_busy_reply()
            reply = self.heavy.run_on(worker, job, deadline - time.monotonic())
            return reply if reply is not None else timeout_reply(timeout_s)
        worker = self.light.acquire(timeout_s)
        if worker is None:
            return busy_reply(timeout_s)
        if self._is_heavy(key):  # found heavy while this one waited: do not run it here
            self.light.release(worker)
            worker = self.heavy.acquire(min(self.heavy_wait_s, deadline - time.monotonic()))
            if worker is None:
                return heavy_busy_reply()
            reply = self.heavy.run_on(worker, job, deadline - time.monotonic())
            return reply if reply is not None else timeout_reply(timeout_s)
        try:
            worker.conn.send(job)
        except OSError:
            return self.light.died(worker)
        reply = self.light.finish(worker, time.monotonic() + self.light_s, kill=False)
        if reply is not None:
            return reply
        # Past its light budget: the query is heavy. It keeps running, on a worker that now
        # belongs to the heavy lane, and an idle heavy worker takes its place in the light lane
        # (no work lost, no process started). When no heavy worker is idle the heavy lane is
        # full: the query is stopped and refused, so heavy queries never queue in the light lane.
        self._mark_heavy(key)
        spare = self.heavy.acquire(0)  # never hold a light worker waiting for a heavy one
        if spare is None:
            self.light.kill(worker)
            return heavy_busy_reply()
        self.heavy.give_up(spare)
        self.light.take(spare)
        self.light.give_up(worker)
        self.heavy.take(worker)
        self.light.release(spare)
        reply = self.heavy.finish(worker, deadline)
        return reply if reply is not None else timeout_reply(timeout_s)

    def status(self) -> dict[str, Any]:
        """Workers per lane, idle ones, and ready spares (for GET /status)."""
        lanes = {"light": self.light, **({"heavy": self.heavy} if self.heavy else {})}
        out: dict[str, Any] = {
            name: {"workers": lane.size, "idle": lane._idle.qsize()} for name, lane in lanes.items()
        }
        out["spares"] = {"wanted": self.spares, "ready": self._reserve.qsize()}
        return out

    def close(self) -> None:
        """Kill every worker (the spares belong to the lane that started them)."""
        self.light.close()
        if self.heavy is not None:
            self.heavy.close()
        while not self._reserve.empty():
            self._reserve.get_nowait().stop()


# -- HTTP -------------------------------------------------------------------------------------
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True)
class Settings:
    """What the request handler needs to know."""

    pool: WorkerPool
    timeout_s: float
    max_request_bytes: int
    queries_json: bytes
    page: bytes
    query_names: frozenset[str]
    cors_origin: str | None = None  # the one origin (or "*") browsers may read answers from
    loopback_only: bool = True  # bound to loopback: a Host naming another host is refused


class Server(ThreadingHTTPServer):
    """The stdlib threading server with a listen backlog sized for many clients (the default 5
    resets connections under load)."""

    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True


class Handler(BaseHTTPRequestHandler):
    """The SPARQL Protocol, the page and the named queries.

    The body of every request is consumed or refused before anything is answered (a GET with a
    body gets 400 and the connection is closed, never read as a second request); chunked bodies,
    duplicate or conflicting lengths get 400/411 and a closed connection."""

    server_version = "plankg-serve"
    protocol_version = "HTTP/1.1"
    timeout = 30  # a client that stalls mid-request is dropped
    settings: Settings  # set on a subclass by make_server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the server is a local tool, and queries may be long."""

    def send_error(
        self,
        code: int,
        message: str | None = None,
        explain: str | None = None,
    ) -> None:
        """http.server's own errors (bad request line, URI too long) in the one JSON shape."""
        status = HTTPStatus(code)
        self.close_connection = True
        self._send(
            error_reply(
                code, status.phrase.lower().replace(" ", "-"), message or status.description
            )
        )

    def _cors_headers(self) -> list[tuple[str, str]]:
        """CORS headers only when `--cors` names this request's origin (or is "*")."""
        allowed = self.settings.cors_origin
        origin = self.headers.get("Origin", "") if self.headers else ""
        if not allowed or not origin or (allowed != "*" and origin != allowed):
            return []
        return [
            ("Access-Control-Allow-Origin", allowed),
            ("Vary", "Origin"),
            ("Access-Control-Expose-Headers", TRUNCATED_HEADER),
        ]

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in [*self._cors_headers(), *reply.headers]:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _fail(self, status: int, code: str, message: str) -> None:
        self._send(error_reply(status, code, message))

    # -- the body: consumed or refused, never left on the connection ----------------------------
    def _read_body(self) -> bytes | None:
        """The request body, or None when the request was answered already (and the
        connection is then closed)."""
        lengths = self.headers.get_all("Content-Length") or []
        chunked = self.headers.get("Transfer-Encoding")
        if chunked:
            self.close_connection = True
            if lengths:  # both framings: a smuggling attempt
                self._fail(400, "bad-request", "Content-Length and Transfer-Encoding together")
            else:
                self._fail(411, "length-required", "send the body with a Content-Length")
            return None
        values = {v.strip() for v in ",".join(lengths).split(",") if v.strip()}
        if len(values) > 1 or any(not v.isdigit() for v in values):
            self.close_connection = True
            self._fail(400, "bad-request", "Content-Length is not one number")
            return None
        length = int(values.pop()) if values else 0
        if length > self.settings.max_request_bytes:
            self.close_connection = True  # the body is not read: the connection cannot be reused
            self._fail(
                413,
                "request-too-large",
                f"the request body has {length} bytes; the "
                f"limit is {self.settings.max_request_bytes}",
            )
            return None
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client went away mid-body
            self.close_connection = True
            return None
        return body

    def _no_body(self) -> bool:
        """For methods without a body: True when there is none; else answered 400."""
        body = self._read_body()
        if body is None:
            return False
        if body:
            self.close_connection = True
            self._fail(
                400,
                "body-not-allowed",
                f"a {self.command} request has no body; POST the query instead",
            )
            return False
        return True

    # -- who may ask --------------------------------------------------------------------------
    def _refuse_foreign(self) -> bool:
        """Refuse (and answer) what another site or host name makes a browser send: a Host that
        is not loopback on a loopback server (DNS rebinding), and a cross-site POST (CSRF: a
        form POST needs no preflight). True when refused."""
        if self.settings.loopback_only:
            host = self.headers.get("Host", "")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name.lower() not in LOOPBACK_NAMES:
                self._fail(
                    403,
                    "host-refused",
                    f"this server answers to 127.0.0.1 and localhost only, not {host!r}",
                )
                return True
        if self.command != "POST":
            return False
        origin = self.headers.get("Origin")
        site = self.headers.get("Sec-Fetch-Site", "").lower()
        allowed = self.settings.cors_origin
        if origin is not None and allowed and (allowed == "*" or origin == allowed):
            return False
        own = {f"http://{self.headers.get('Host', '')}"}
        if (origin is not None and origin not in own) or site in ("cross-site", "same-site"):
            self._fail(
                403,
                "cross-site-refused",
                "a POST from another site is refused; start "
                "the server with --cors ORIGIN to let that site query it",
            )
            return True
        return False

    def do_OPTIONS(self) -> None:
        """CORS preflight: allowed only for the `--cors` origin."""
        if not self._no_body():
            return
        self.send_response(204)
        cors = self._cors_headers()
        if cors:
            for name, value in cors:
                self.send_header(name, value)
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self.send_header("Allow", "GET, HEAD, POST, OPTIONS")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        """Page, named queries, or a SPARQL query in the URL."""
        if self._no_body():
            self._handle(b"")

    do_HEAD = do_GET

    def do_POST(self) -> None:
        """A SPARQL query (or a refused update) in the body."""
        body = self._read_body()
        if body is not None:
            self._handle(body)

    def _not_allowed(self) -> None:
        """Graph Store writes and every other method: this endpoint is read-only."""
        if self._read_body() is not None:
            self._fail(
                405, "method-not-allowed", f"{self.command} is refused: this endpoint is read-only"
            )

    do_PUT = do_DELETE = do_PATCH = _not_allowed

    def _handle(self, body: bytes) -> None:
        if len(self.path) > self.settings.max_request_bytes:
            self.close_connection = True
            self._fail(
                413,
                "request-too-large",
                f"the URL has {len(self.path)} characters; the "
                f"limit is {self.settings.max_request_bytes}",
            )
            return
        if self._refuse_foreign():
            return
        url = urlsplit(self.path)
        try:
            params = parse_qs(url.query, keep_blank_values=True, errors="strict")
            path = url.path.rstrip("/") or "/"
            reading = self.command in ("GET", "HEAD")
            if path == "/" and reading:
                self._send(Reply(200, "text/html; charset=utf-8", self.settings.page))
            elif path == "/queries" and reading:
                self._send(
                    Reply(200, "application/json; charset=utf-8", self.settings.queries_json)
                )
            elif path == "/status" and reading:
                self._send(
                    Reply(
                        200,
                        "application/json; charset=utf-8",
                        json.dumps(self.settings.pool.status()).encode("utf-8") + b"\n",
                    )
                )
            elif path.startswith("/queries/") and reading:
                self._send(self._named(path.removeprefix("/queries/"), params))
            elif path.startswith("/evidence/") and reading:
                self._send(evidence_reply(path.removeprefix("/evidence/")))
            elif path.startswith("/static/") and reading:
                self._send(static_reply(path.removeprefix("/static/")))
            elif path in SPARQL_PATHS:
                self._send(self._sparql(params, body))
            elif path in ("/", "/queries") or path.startswith(
                ("/queries/", "/static/", "/evidence/")
            ):
                self._fail(405, "method-not-allowed", f"{path} answers GET only")
            else:
                self._fail(404, "not-found", f"nothing at {path}; the endpoint is /sparql")
        except Refusal as exc:
            self._fail(exc.status, exc.code, exc.message)
        except UnicodeDecodeError:
            self._fail(400, "bad-encoding", "the request is not UTF-8")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client left; nobody to answer

    def _named(self, name: str, params: dict[str, list[str]]) -> Reply:
        if name not in self.settings.query_names:
            raise Refusal(404, "unknown-query", f"no query named {name!r}; GET /queries lists them")
        one = {k: v[-1] for k, v in params.items()}
        fmt = choose_table_format(self.headers.get("Accept", ""), one.pop("format", ""))
        include = one.pop("include_rejected", "").lower() in ("1", "true", "yes", "on")
        job = {
            "kind": "named",
            "name": name,
            "params": one,
            "include_rejected": include,
            "format": fmt,
        }
        return self.settings.pool.run(job, self.settings.timeout_s)

    def _sparql(self, params: dict[str, list[str]], body: bytes) -> Reply:
        media = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if self.command == "POST":
            if media == "application/x-www-form-urlencoded":
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict")
                for key, values in form.items():
                    params.setdefault(key, []).extend(values)
            elif media == "application/sparql-query":
                params.setdefault("query", []).append(body.decode("utf-8"))
            elif media == "application/sparql-update":
                params.setdefault("update", []).append(body.decode("utf-8"))
            else:
                raise Refusal(
                    415,
                    "unsupported-media-type",
                    "POST a query as application/sparql-query or application/x-www-form-urlencoded",
                )
        if "update" in params and "query" in params:
            raise Refusal(400, "bad-request", "give a query or an update, not both")
        if "update" in params:
            raise Refusal(
                403, "update-refused", "this endpoint is read-only: SPARQL Update is refused"
            )
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            raise Refusal(400, "missing-query", "give exactly one SPARQL query (query=…)")
        requested = next(
            (params[k][-1] for k in ("format", "output", "results") if k in params), ""
        )
        job = {
            "kind": "sparql",
            "query": queries[0],
            "accept": self.headers.get("Accept", ""),
            "format": requested,
            "default_graph_uri": params.get("default-graph-uri", []),
            "named_graph_uri": params.get("named-graph-uri", []),
        }
        return self.settings.pool.run(job, self.settings.timeout_s)


# -- evidence pages (issue 13): one route, GET /evidence/SLUG.html -----------------------------
# Folders searched for plan files by slug; empty means the embedded data/plans. `plankg serve
# --plans DIR` fills it.
EVIDENCE_PLAN_DIRS: list[Path] = []


@functools.lru_cache(maxsize=8)
def _evidence_page(slug: str, dirs: tuple[Path, ...]) -> bytes:
    from plankg.evidence import find_plan, plan_evidence

    return plan_evidence(find_plan(slug, dirs, allow_path=False)).encode("utf-8")


def evidence_reply(name: str) -> Reply:
    """The evidence page of the plan whose slug is `name` minus `.html`, rendered from its plan
    file (read-only; a slug, never a path, so no other file is reachable)."""
    from importlib import resources

    from plankg.evidence import NlpMissingError

    slug = name.removesuffix(".html")
    if not name.endswith(".html") or "/" in slug:
        raise Refusal(404, "not-found", "evidence pages are at /evidence/SLUG.html")
    dirs = tuple(EVIDENCE_PLAN_DIRS) or (Path(str(resources.files("plankg.data") / "plans")),)
    try:
        page = _evidence_page(slug, dirs)
    except NlpMissingError as exc:
        raise Refusal(501, "nlp-missing", exc.message) from None
    except PlankgError as exc:
        raise Refusal(404, "unknown-plan", exc.message) from None
    return Reply(200, "text/html; charset=utf-8", page)


@functools.lru_cache(maxsize=128)
def static_reply(name: str) -> Reply:
    """A file shipped in the package's `plankg/static/` folder (YASGUI, Cytoscape.js, their
    licences): `plankg.serve_page.static_file` takes plain path segments and known media types
    only, so nothing outside that folder is served."""
    from plankg.serve_page import static_file

    found = static_file(name)
    if found is None:
        raise Refusal(404, "not-found", f"no static file {name!r}")
    data, media = found
    return Reply(200, media, data, (("Cache-Control", "max-age=3600"),))


def queries_listing() -> list[dict[str, Any]]:
    """The named queries as JSON-ready dicts: name, title, description, parameters, SPARQL."""
    from plankg.query import named_queries

    return [
        {
            "name": q.name,
            "title": q.title,
            "description": q.description,
            "params": [
                {"name": p.name, "default": p.default, "description": p.description}
                for p in q.params
            ],
            "url": f"/queries/{q.name}",
            "sparql": q.text,
        }
        for q in named_queries().values()
    ]


def make_server(
    store_path: str | Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    workers: int = DEFAULT_WORKERS,
    heavy_workers: int | None = None,
    light_s: float = DEFAULT_LIGHT_S,
    worker_memory_mb: int = DEFAULT_WORKER_MEMORY_MB,
    cors: str | None = None,
) -> tuple[ThreadingHTTPServer, WorkerPool]:
    """A bound server and its started worker pool; `serve_forever()` it, then `close_server`.

    `heavy_workers` (default workers // 2) serve the queries that ran past `light_s` in the
    light lane; 0 means one lane. `worker_memory_mb` caps each worker's address space (0: no
    cap). `cors` names the one origin browsers may read answers from ("*" for any); without
    it no CORS header is sent and cross-site POSTs are refused."""
    from plankg.serve_page import render_page

    location = Path(store_path)
    if not (location.is_dir() and any(location.iterdir())):
        raise ServeError("no store here yet: run `plankg ingest` first", path=location)
    heavy = workers // 2 if heavy_workers is None else heavy_workers
    if (
        timeout_s <= 0
        or max_rows < 1
        or max_bytes < 1024
        or max_request_bytes < 1024
        or workers < 1
        or heavy < 0
        or light_s <= 0
        or worker_memory_mb < 0
    ):
        raise ServeError(
            "limits must be positive (timeout > 0, max rows ≥ 1, max bytes and "
            "max request bytes ≥ 1024, workers ≥ 1, heavy workers ≥ 0, light "
            "seconds > 0, worker memory ≥ 0)"
        )
    if worker_memory_mb and worker_memory_mb < 1024:
        raise ServeError(
            "--worker-memory must be at least 1024 MiB (an idle worker maps about "
            "670 MiB), or 0 for no limit"
        )
    if cors is not None and cors != "*" and not re.fullmatch(r"https?://[^/\s]+", cors):
        raise ServeError(f"--cors takes an origin such as http://localhost:3000 or *, not {cors!r}")
    listing = queries_listing()
    pool = WorkerPool(
        str(location),
        workers,
        Limits(max_rows, max_bytes, worker_memory_mb),
        heavy_size=heavy,
        light_s=light_s,
        spares=DEFAULT_SPARES if heavy else 0,
    )
    pool.start()
    settings = Settings(
        pool,
        timeout_s,
        max_request_bytes,
        json.dumps(listing, ensure_ascii=False, indent=1).encode("utf-8"),
        render_page(
            listing, f"{timeout_s:g} s per query, {max_rows} rows and {max_bytes} bytes per answer"
        ).encode("utf-8"),
        frozenset(q["name"] for q in listing),
        cors,
        _is_loopback(host),
    )
    handler = type("BoundHandler", (Handler,), {"settings": settings})
    try:
        server = Server((host, port), handler)
    except OSError as exc:
        pool.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return server, pool


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    store_path: str | Path, *, ready: Callable[[str], None] | None = None, **options: Any
) -> None:
    """Serve the store until interrupted (Ctrl-C, SIGTERM). `port=0` takes a free port;
    `ready` is called with the endpoint's URL once it accepts connections; `options` are
    make_server's.

    The query workers are spawned processes: a script calling this must do so under
    `if __name__ == "__main__":` (the `plankg` command does)."""
    server, pool = make_server(store_path, **options)
    previous = None
    if threading.current_thread() is threading.main_thread():
        # SIGTERM stops the server cleanly, so that its workers are killed too
        def on_term(signum: int, frame: Any) -> None:
            threading.Thread(target=server.shutdown, daemon=True).start()

        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        if ready is not None:
            bound_host, bound_port = server.server_address[:2]
            shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
            ready(f"http://{shown}:{bound_port}/sparql")
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        pool.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
