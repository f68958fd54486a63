"""`plankg serve`: a read-only SPARQL 1.1 Protocol endpoint over the embedded store.

    GET/POST /sparql (or /query)   the SPARQL 1.1 Protocol: `?query=`, a form body `query=…`, or a
                                   direct `application/sparql-query` body; `default-graph-uri` and
                                   `named-graph-uri` name graphs of this store
    GET /                          YASGUI (shipped in plankg) on /sparql, with the named queries
    GET /static/FILE               the page's files (plankg/static/, YASGUI and its licence)
    GET /queries                   the named queries as JSON (title, description, parameters)
    GET /queries/NAME?p=v          a named query, parameters bound as `plankg query` binds them

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

import contextlib
import csv
import functools
import io
import json
import multiprocessing
import os
import queue
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
from xml.sax.saxutils import escape, quoteattr

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
    Format("json", ("application/sparql-results+json", "application/json", "text/javascript",
                    "application/javascript"), "results"),
    Format("xml", ("application/sparql-results+xml", "application/xml", "text/xml"), "results"),
    Format("csv", ("text/csv",), "results"),
    Format("tsv", ("text/tab-separated-values",), "results"),
    Format("ttl", ("text/turtle", "application/turtle", "application/x-turtle"), "graph",
           ("turtle",)),
    Format("nt", ("application/n-triples", "text/plain"), "graph", ("ntriples", "n-triples")),
    Format("rdfxml", ("application/rdf+xml",), "graph", ("rdf", "rdf+xml", "xml")),
)
DEFAULT_FORMAT = {"results": "json", "graph": "ttl"}
_RDF_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                "rdfxml": ox.RdfFormat.RDF_XML}


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


def _content_type(fmt: Format) -> str:
    return f"{fmt.media_types[0]}; charset=utf-8"


# -- serialisers: stop at a row boundary when a limit is reached ----------------------------------
def _json_term(t: Any) -> dict[str, Any]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(t.subject),
                                            "predicate": _json_term(t.predicate),
                                            "object": _json_term(t.object)}}
    out: dict[str, Any] = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != XSD_STRING:
        out["datatype"] = t.datatype.value
    return out


def _xml_term(t: Any) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Triple):
        return (f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>"
                f"{_xml_term(t.predicate)}</predicate><object>{_xml_term(t.object)}</object>"
                "</triple>")
    if t.language:
        return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
    if t.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
    return f"<literal>{escape(t.value)}</literal>"


def _csv_value(t: Any) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.Triple):
        return str(t)
    return str(t.value)


def _csv_line(values: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(values)
    return buf.getvalue()


def _tsv_value(t: Any) -> str:
    # N-Triples syntax (the TSV results format); a tab inside a literal must be escaped
    return "" if t is None else str(t).replace("\t", "\\t")


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


def serialize_solutions(variables: list[str], solutions: Iterable[Any], fmt: Format, *,
                        max_rows: int, max_bytes: int) -> Body:
    """SELECT results in `fmt`, cut after max_rows rows or before max_bytes bytes."""
    if fmt.name == "json":
        head = json.dumps({"head": {"vars": variables}}, ensure_ascii=False)[:-1]
        start, sep, tail = head + ', "results": {"bindings": [\n', ",\n", "\n]}}\n"
        def row(s: Any) -> str:
            return json.dumps({v: _json_term(s[v]) for v in variables if s[v] is not None},
                              ensure_ascii=False)
    elif fmt.name == "xml":
        start = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
                 + "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
                 + "</head><results>\n")
        sep, tail = "", "</results></sparql>\n"
        def row(s: Any) -> str:
            return ("<result>" + "".join(f"<binding name={quoteattr(v)}>{_xml_term(s[v])}"
                                         "</binding>" for v in variables if s[v] is not None)
                    + "</result>\n")
    elif fmt.name == "csv":
        start, sep, tail = _csv_line(variables), "", ""
        def row(s: Any) -> str:
            return _csv_line([_csv_value(s[v]) for v in variables])
    else:  # tsv
        start, sep, tail = "\t".join("?" + v for v in variables) + "\n", "", ""
        def row(s: Any) -> str:
            return "\t".join(_tsv_value(s[v]) for v in variables) + "\n"
    out = _Writer(max_bytes, len(tail.encode("utf-8")))
    if not out.add(start):
        return Body(b"", f"max_bytes={max_bytes}")
    truncated = ""
    for i, solution in enumerate(solutions):
        if i >= max_rows:
            truncated = f"max_rows={max_rows}"
            break
        if not out.add((sep if i else "") + row(solution)):
            truncated = f"max_bytes={max_bytes}"
            break
    return Body(out.close(tail), truncated)


def serialize_boolean(value: bool, fmt: Format) -> Body:
    """An ASK answer in `fmt`."""
    word = "true" if value else "false"
    if fmt.name == "json":
        return Body(json.dumps({"head": {}, "boolean": value}).encode() + b"\n")
    if fmt.name == "xml":
        return Body(('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns='
                     f'"http://www.w3.org/2005/sparql-results#"><head/><boolean>{word}'
                     "</boolean></sparql>\n").encode())
    return Body(f"{word}\n".encode())


def serialize_triples(triples: Iterable[ox.Triple], fmt: Format, *, max_rows: int,
                      max_bytes: int) -> Body:
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
            raise Refusal(400, "malformed-query",
                          f"the query does not parse as SPARQL 1.1: {message}") from None
        raise Refusal(403, "update-refused", "this endpoint is read-only: SPARQL Update "
                      "(INSERT, DELETE, LOAD, CLEAR, …) is refused") from None
    prefixes = dict(PREFIXES)
    from_graphs: list[str] = []
    from_named: list[str] = []
    for node in _nodes(tree):
        if not isinstance(node, CompValue):
            continue
        if node.name == "PrefixDecl":
            prefixes[_field(node, "prefix") or ""] = str(_field(node, "iri"))
        elif node.name == "ServiceGraphPattern":
            raise Refusal(403, "service-refused", "SERVICE is refused: this endpoint does not "
                          f"call other endpoints (SERVICE {_iri(_field(node, 'term'), prefixes)})")
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
            raise Refusal(400, "malformed-query", f"{what} <{value}> is not an absolute IRI",
                          ) from None
        if not store.contains_named_graph(node):
            raise Refusal(403, "remote-graph-refused",
                          f"{what} <{value}> is not a graph of this store; this endpoint never "
                          "fetches remote data (GET /sparql?query=SELECT DISTINCT ?g WHERE "
                          "{GRAPH ?g {}} lists the graphs)")
        out.append(node)
    return out


# -- the work a worker does -----------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """Caps on one answer."""

    max_rows: int = DEFAULT_MAX_ROWS
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Reply:
    """An answer to send: status, media type, body, extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def error_reply(status: int, code: str, message: str) -> Reply:
    """The one JSON shape of every error."""
    body = json.dumps({"error": {"code": code, "message": message, "status": status}},
                      ensure_ascii=False).encode("utf-8")
    return Reply(status, "application/json; charset=utf-8", body + b"\n")


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
            body = serialize_solutions(variables, result, fmt, max_rows=limits.max_rows,
                                       max_bytes=limits.max_bytes)
        elif isinstance(result, ox.QueryTriples):
            fmt = choose_format("graph", accept, requested)
            body = serialize_triples(result, fmt, max_rows=limits.max_rows,
                                     max_bytes=limits.max_bytes)
        else:
            fmt = choose_format("results", accept, requested)
            body = serialize_boolean(bool(result), fmt)
    except SyntaxError as exc:
        raise Refusal(400, "malformed-query", f"the query does not parse: {exc}") from None
    except OSError as exc:
        raise Refusal(500, "query-failed", f"the query failed: {exc}") from None
    return _reply(body, _content_type(fmt))


def run_named_job(store: ox.Store, job: Mapping[str, Any], limits: Limits) -> Reply:
    """Run a named query through `plankg.query.run_named` (same binding, same exclusions) and
    give its rows as JSON `{"query", "columns", "rows", "truncated"}` or CSV."""
    from plankg.query import QueryError, format_rows, run_named

    try:
        columns, rows = run_named(store, job["name"], job["params"],
                                  include_excluded=job["include_rejected"])
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
    out.add(json.dumps({"query": job["name"], "columns": columns}, ensure_ascii=False)[:-1]
            + ', "rows": [\n')
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
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    try:
        store = ox.Store.read_only(store_path)
        check_query("ASK {}")  # import rdflib and warm its parser before the first request
    except OSError as exc:
        conn.send(("failed", str(exc)))
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
        except Exception as exc:  # the worker must answer, never die on a query
            reply = error_reply(500, "internal-error", f"the query failed ({type(exc).__name__})")
        conn.send(reply)


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
class WorkerPool:
    """Worker processes holding the store read-only; a query past its time limit kills its
    worker, and a fresh one takes its place."""

    store_path: str
    size: int = DEFAULT_WORKERS
    limits: Limits = field(default_factory=Limits)
    _idle: queue.Queue[_Worker] = field(default_factory=queue.Queue, init=False)
    _all: set[_Worker] = field(default_factory=set, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _closed: bool = field(default=False, init=False)

    def start(self) -> None:
        """Start every worker and wait until each has opened the store."""
        threads = [threading.Thread(target=self._add_worker) for _ in range(self.size)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self._idle.qsize() < self.size:
            self.close()
            raise ServeError("the query worker processes did not start: is the store readable "
                             "(stop any `plankg ingest` writing it), and is serve() called under "
                             "`if __name__ == '__main__':` in a script?", path=self.store_path)

    def _add_worker(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # never fork a threaded server
        parent_conn, child_conn = ctx.Pipe()
        process = ctx.Process(target=_worker_main, name="plankg-serve-worker", daemon=True,
                              args=(self.store_path, child_conn, self.limits, os.getpid()))
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
                ok = parent_conn.recv()[0] == "ready"
        with self._lock:
            if ok and not self._closed:
                self._all.add(worker)
                self._idle.put(worker)
                return
        worker.stop()

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
            closed = self._closed
        worker.stop()
        if not closed:
            threading.Thread(target=self._add_worker, daemon=True).start()

    def run(self, job: Mapping[str, Any], timeout_s: float) -> Reply:
        """Run a job on an idle worker within timeout_s (waiting for a worker counts)."""
        deadline = time.monotonic() + timeout_s
        try:
            worker = self._idle.get(timeout=timeout_s)
        except queue.Empty:
            return error_reply(503, "busy", f"every query worker stayed busy for {timeout_s:g} s;"
                               " try again later")
        try:
            worker.conn.send(job)
            if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                reply = worker.conn.recv()
                self._idle.put(worker)
                return reply
        except (EOFError, OSError):
            self._replace(worker)
            return error_reply(500, "worker-died", "the query worker ended unexpectedly")
        self._replace(worker)
        return error_reply(503, "timeout", f"the query ran longer than {timeout_s:g} s and was "
                           "stopped; narrow it (LIMIT, more specific patterns) or ask for a "
                           "longer --timeout")

    def close(self) -> None:
        """Kill every worker."""
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()


# -- HTTP -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """What the request handler needs to know."""

    pool: WorkerPool
    timeout_s: float
    max_request_bytes: int
    queries_json: bytes
    page: bytes
    query_names: frozenset[str]


class Handler(BaseHTTPRequestHandler):
    """The SPARQL Protocol, the page and the named queries."""

    server_version = "plankg-serve"
    protocol_version = "HTTP/1.1"
    timeout = 30  # a client that stalls mid-request is dropped
    settings: Settings  # set on a subclass by make_server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the server is a local tool, and queries may be long."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None,
                   ) -> None:
        """http.server's own errors (bad request line, URI too long) in the one JSON shape."""
        status = HTTPStatus(code)
        self.close_connection = True
        self._send(error_reply(code, status.phrase.lower().replace(" ", "-"),
                               message or status.description))

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", TRUNCATED_HEADER)
        for name, value in reply.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _fail(self, status: int, code: str, message: str) -> None:
        self._send(error_reply(status, code, message))

    def do_OPTIONS(self) -> None:
        """CORS preflight for browser clients."""
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        """Page, named queries, or a SPARQL query in the URL."""
        self._handle(b"")

    def do_POST(self) -> None:
        """A SPARQL query (or a refused update) in the body."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._fail(411, "length-required", "send the body with a Content-Length")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._fail(400, "bad-request", "Content-Length is not a number")
            return
        if length > self.settings.max_request_bytes:
            self.close_connection = True  # the body is not read: the connection cannot be reused
            self._fail(413, "request-too-large", f"the request body has {length} bytes; the "
                       f"limit is {self.settings.max_request_bytes}")
            return
        self._handle(self.rfile.read(length))

    def _handle(self, body: bytes) -> None:
        if len(self.path) > self.settings.max_request_bytes:
            self.close_connection = True
            self._fail(413, "request-too-large", f"the URL has {len(self.path)} characters; the "
                       f"limit is {self.settings.max_request_bytes}")
            return
        url = urlsplit(self.path)
        try:
            params = parse_qs(url.query, keep_blank_values=True, errors="strict")
            path = url.path.rstrip("/") or "/"
            if path == "/" and self.command == "GET":
                self._send(Reply(200, "text/html; charset=utf-8", self.settings.page))
            elif path == "/queries" and self.command == "GET":
                self._send(Reply(200, "application/json; charset=utf-8",
                                 self.settings.queries_json))
            elif path.startswith("/queries/") and self.command == "GET":
                self._send(self._named(path.removeprefix("/queries/"), params))
            elif path in SPARQL_PATHS:
                self._send(self._sparql(params, body))
            # -- the page's static files (YASGUI): see plankg.serve_page ----------------------
            elif path.startswith("/static/") and self.command == "GET":
                self._send(static_reply(path.removeprefix("/static/")))
            # -------------------------------------------------------------------------------
            elif path in ("/", "/queries") or path.startswith("/queries/"):
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
            raise Refusal(404, "unknown-query", f"no query named {name!r}; GET /queries lists "
                          "them")
        one = {k: v[-1] for k, v in params.items()}
        fmt = one.pop("format", "")
        include = one.pop("include_rejected", "").lower() in ("1", "true", "yes", "on")
        if not fmt:
            fmt = "csv" if "text/csv" in _accepted(self.headers.get("Accept", "")) else "json"
        if fmt not in ("json", "csv"):
            raise Refusal(400, "bad-format", "format is json or csv for named queries")
        job = {"kind": "named", "name": name, "params": one, "include_rejected": include,
               "format": fmt}
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
                raise Refusal(415, "unsupported-media-type", "POST a query as "
                              "application/sparql-query or application/x-www-form-urlencoded")
        if "update" in params:
            raise Refusal(403, "update-refused", "this endpoint is read-only: SPARQL Update is "
                          "refused")
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            raise Refusal(400, "missing-query", "give exactly one SPARQL query (query=…)")
        requested = next((params[k][-1] for k in ("format", "output", "results") if k in params),
                         "")
        job = {"kind": "sparql", "query": queries[0], "accept": self.headers.get("Accept", ""),
               "format": requested, "default_graph_uri": params.get("default-graph-uri", []),
               "named_graph_uri": params.get("named-graph-uri", [])}
        return self.settings.pool.run(job, self.settings.timeout_s)


# -- the page's static files (YASGUI, its stylesheet, their licence) ------------------------------
def static_reply(relative: str) -> Reply:
    """A file of plankg/static/ (read from the installed package), or 404: plankg.serve_page
    .static_file accepts plain path segments only, so nothing outside that folder is served."""
    from plankg.serve_page import static_file

    found = static_file(relative)
    if found is None:
        return error_reply(404, "not-found", f"no static file {relative!r}")
    data, media = found
    return Reply(200, media, data, (("Cache-Control", "max-age=3600"),
                                    ("X-Content-Type-Options", "nosniff")))
# -------------------------------------------------------------------------------------------------


def queries_listing() -> list[dict[str, Any]]:
    """The named queries as JSON-ready dicts: name, title, description, parameters, SPARQL."""
    from plankg.query import named_queries

    return [{"name": q.name, "title": q.title, "description": q.description,
             "params": [{"name": p.name, "default": p.default, "description": p.description}
                        for p in q.params],
             "url": f"/queries/{q.name}", "sparql": q.text}
            for q in named_queries().values()]


def make_server(store_path: str | Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS,
                max_bytes: int = DEFAULT_MAX_BYTES,
                max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
                workers: int = DEFAULT_WORKERS) -> tuple[ThreadingHTTPServer, WorkerPool]:
    """A bound server and its started worker pool; `serve_forever()` it, then `close_server`."""
    from plankg.serve_page import render_page

    location = Path(store_path)
    if not (location.is_dir() and any(location.iterdir())):
        raise ServeError("no store here yet: run `plankg ingest` first", path=location)
    if timeout_s <= 0 or max_rows < 1 or max_bytes < 1024 or max_request_bytes < 1024 \
            or workers < 1:
        raise ServeError("limits must be positive (timeout > 0, max rows ≥ 1, max bytes and "
                         "max request bytes ≥ 1024, workers ≥ 1)")
    listing = queries_listing()
    pool = WorkerPool(str(location), workers, Limits(max_rows, max_bytes))
    pool.start()
    settings = Settings(pool, timeout_s, max_request_bytes,
                        json.dumps(listing, ensure_ascii=False, indent=1).encode("utf-8"),
                        render_page(listing, f"{timeout_s:g} s per query, {max_rows} rows and "
                                    f"{max_bytes} bytes per answer").encode("utf-8"),
                        frozenset(q["name"] for q in listing))
    handler = type("BoundHandler", (Handler,), {"settings": settings})
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        pool.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    server.daemon_threads = True
    return server, pool


def serve(store_path: str | Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS,
          max_bytes: int = DEFAULT_MAX_BYTES,
          max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES, workers: int = DEFAULT_WORKERS,
          ready: Callable[[str], None] | None = None) -> None:
    """Serve the store until interrupted (Ctrl-C, SIGTERM). `port=0` takes a free port;
    `ready` is called with the endpoint's URL once it accepts connections.

    The query workers are spawned processes: a script calling this must do so under
    `if __name__ == "__main__":` (the `plankg` command does)."""
    server, pool = make_server(store_path, host=host, port=port, timeout_s=timeout_s,
                               max_rows=max_rows, max_bytes=max_bytes,
                               max_request_bytes=max_request_bytes, workers=workers)
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
