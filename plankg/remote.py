"""A remote SPARQL 1.1 store reached over HTTP, usable wherever plankg takes a store.

`RemoteStore` offers the part of `pyoxigraph.Store` that plankg uses (query, update,
named_graphs, contains_named_graph, quads_for_pattern, dump, extend), so ingest, link, query and
export-graph run unchanged against the Oxigraph server (`oxigraph serve`), Apache Jena Fuseki or
Virtuoso. Results are requested as SPARQL JSON; server errors become `RemoteError` with the
server's message, in one line.

The client is guarded against a hostile or broken endpoint (plain `http.client`, so every limit
is ours, not a library default):
- one overall deadline per request (`timeout_s`), checked between every read: a server that
  trickles one byte a second fails at the deadline, not after hours;
- a byte cap on answers (`max_bytes`, default 256 MiB), read in chunks and aborted when passed;
- redirects are followed only to the same scheme, host and port (at most 3); a redirect to any
  other host is an error naming it;
- 429 and 503 with `Retry-After` are retried at most 3 times, waiting what the server asks
  (at most 10 s a time, never past the deadline);
- a descriptive User-Agent (`plankg/VERSION (SPARQL client; +URL)`);
- answers are read as JSON only (XML results are refused, never parsed, so no entity is ever
  expanded); nesting too deep, a wrong shape, an invalid IRI or language tag all become one
  line saying what the server sent.

Two things differ from the embedded store, and both are documented for users:
- Queries look at the union of all named graphs: the URL parameter `union-default-graph` is sent
  (Oxigraph honours it; configure Fuseki's dataset with `tdb2:unionDefaultGraph true`).
- Parameters cannot be sent as substitutions over HTTP, so they are joined as a trailing
  `VALUES` block built from RDF terms serialised by pyoxigraph (escaped, never raw text). Named
  queries always bind their parameter columns, so the join keeps exactly the rows the embedded
  store keeps.

Virtuoso needs more (updates through /sparql in batches, Chinese literals typed, its row cap);
see the "Virtuoso" block at the end of this module.
"""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pyoxigraph as ox

from plankg import __version__
from plankg.errors import PlankgError

DEFAULT_TIMEOUT_S = 60
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
MAX_REDIRECTS = 3
MAX_RETRIES = 3
MAX_RETRY_WAIT_S = 10.0
CHUNK = 64 * 1024
USER_AGENT = (
    f"plankg/{__version__} (SPARQL client for the plankg knowledge graph of climate "
    "plans; +https://w3id.org/plankg)"
)
RESULTS_JSON = "application/sparql-results+json"
GRAPH_TYPES = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
}
STATUS_NAMES = {
    400: "QueryBadFormed",
    401: "Unauthorized",
    403: "Forbidden",
    404: "EndPointNotFound",
    414: "URITooLong",
    500: "EndPointInternalError",
}


class RemoteError(PlankgError):
    """The remote endpoint refused a request, failed, timed out or sent something unreadable."""

    code = "E060"


class _Solutions:
    """What `pyoxigraph.QuerySolutions` gives plankg: `.variables` and rows indexed by name."""

    def __init__(self, variables: list[str], rows: list[dict[str, Any]]) -> None:
        self.variables = [ox.Variable(v) for v in variables]
        self._rows = rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self._rows:
            yield _Row(row)

    def __len__(self) -> int:
        return len(self._rows)


class _Row(dict):
    def __getitem__(self, key: object) -> Any:
        name = key.value if isinstance(key, ox.Variable) else key
        return dict.get(self, name)


class _Malformed(Exception):
    """What is wrong with an answer; becomes a RemoteError naming the endpoint."""


def _term(binding: Any) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """One SPARQL JSON term; anything unexpected raises _Malformed."""
    try:
        return _term_unchecked(binding)
    except (KeyError, TypeError, AttributeError) as exc:
        raise _Malformed(f"a term is not SPARQL JSON ({str(binding)[:80]})") from exc
    except ValueError as exc:
        raise _Malformed(f"a term is not valid RDF: {exc} ({str(binding)[:80]})") from exc


def _term_unchecked(binding: Mapping[str, str]) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    kind = binding["type"]
    if kind == "uri":
        return ox.NamedNode(binding["value"])
    if kind == "bnode":
        return ox.BlankNode(binding["value"])
    if "xml:lang" in binding:
        return ox.Literal(binding["value"], language=binding["xml:lang"])
    if "datatype" in binding:
        value = _canonical_boolean(binding["value"], binding["datatype"])
        return ox.Literal(value, datatype=ox.NamedNode(binding["datatype"]))
    return ox.Literal(binding["value"])


class RemoteStore:
    """A SPARQL 1.1 endpoint (query URL, optional update URL) seen as a plankg store."""

    def __init__(
        self,
        endpoint: str,
        update_endpoint: str | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        union_default_graph: bool = True,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        for url in (endpoint, update_endpoint):
            if url is not None and urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                raise RemoteError(f"{url} is not an http(s) URL")
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or _guess_update(endpoint)
        self.timeout_s = timeout_s
        self.union_default_graph = union_default_graph
        self.max_bytes = max_bytes
        self._update_guessed = update_endpoint is None
        self._software: str | None = None  # the `Server` header of the first answer

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    # -- reading ----------------------------------------------------------------------------
    def query(
        self,
        text: str,
        *,
        use_default_graph_as_union: bool = False,
        prefixes: Mapping[str, str] | None = None,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        **_: Any,
    ) -> Any:
        """Run a query; SELECT gives solutions, ASK a bool, CONSTRUCT/DESCRIBE a list of triples."""
        head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())
        # The server is known from its first answer's `Server` header; a first query that turns
        # out to have gone to Virtuoso is asked again the way Virtuoso must read it.
        known = self._software is not None
        virtuoso = _said_virtuoso(self)
        body = text + _values_block(substitutions) if substitutions and not virtuoso else text
        union = use_default_graph_as_union and self.union_default_graph
        if virtuoso:
            body = _virtuoso_query(body)
        try:
            data = self._request(self.endpoint, head + body, union=union)
        except RemoteError:
            if known or not _said_virtuoso(self):
                raise
            data = None
        if not known and _said_virtuoso(self):
            return self.query(
                text,
                prefixes=prefixes,
                substitutions=substitutions,
                use_default_graph_as_union=use_default_graph_as_union,
            )
        assert data is not None
        if "triples" in data:
            return data["triples"]
        try:
            if "boolean" in data:
                if not isinstance(data["boolean"], bool):
                    raise _Malformed("`boolean` is not true or false")
                return data["boolean"]
            variables = data["head"].get("vars", [])
            if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
                raise _Malformed("`head.vars` is not a list of names")
            rows = [{k: _term(v) for k, v in b.items()} for b in _bindings(data)]
            if virtuoso and _selects_distinct(text):
                rows = _distinct_rows(rows)
            if virtuoso and substitutions:
                rows = _bound_rows(rows, substitutions)
            return _Solutions(variables, rows)
        except (KeyError, TypeError, AttributeError, ValueError, _Malformed) as exc:
            detail = str(exc) if isinstance(exc, _Malformed) else "not SPARQL JSON results"
            raise RemoteError(f"{self.endpoint} sent a malformed answer: {detail}") from None

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        solutions = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        for row in solutions:
            if isinstance(row["g"], ox.NamedNode):
                yield row["g"]

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        answer = self.query(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        if not isinstance(answer, bool):
            raise RemoteError(f"{self.endpoint} sent a malformed answer: not an ASK result")
        return answer

    def quads_for_pattern(
        self, subject: Any, predicate: Any, obj: Any, graph: Any = None
    ) -> Iterator[ox.Quad]:
        pattern = " ".join(
            str(t) if t is not None else v
            for t, v in ((subject, "?s"), (predicate, "?p"), (obj, "?o"))
        )
        where = (
            f"GRAPH {graph} {{ {pattern} }}" if graph is not None else f"GRAPH ?g {{ {pattern} }}"
        )
        solutions = self.query(f"SELECT * WHERE {{ {where} }}")
        if not isinstance(solutions, _Solutions):
            raise RemoteError(f"{self.endpoint} sent a malformed answer: not SELECT results")
        for row in solutions:
            try:
                yield ox.Quad(
                    subject or row["s"], predicate or row["p"], obj or row["o"], graph or row["g"]
                )
            except (TypeError, ValueError):
                raise RemoteError(
                    f"{self.endpoint} sent a malformed answer: a row lacks a "
                    "subject, predicate, object or graph"
                ) from None

    def dump(
        self,
        output: Any = None,
        format: ox.RdfFormat = ox.RdfFormat.N_QUADS,
        *,
        from_graph: ox.NamedNode | None = None,
        prefixes: Any = None,
    ) -> bytes | None:
        """Serialise one graph (`from_graph`) or the whole dataset, like pyoxigraph's dump."""
        if from_graph is not None:
            triples = [
                ox.Triple(q.subject, q.predicate, q.object)
                for q in self.quads_for_pattern(None, None, None, from_graph)
            ]
            data = ox.serialize(triples, format=format)
        else:
            data = ox.serialize(list(self.quads_for_pattern(None, None, None, None)), format=format)
        if output is None:
            return data
        if hasattr(output, "write"):
            output.write(data)
        else:
            with open(output, "wb") as f:
                f.write(data)
        return None

    # -- writing ----------------------------------------------------------------------------
    def update(self, text: str) -> None:
        """Run a SPARQL update (one request: the server applies it as one transaction where it
        can; Oxigraph and Fuseki do). Virtuoso gets large INSERT DATA bodies in batches, see
        `_virtuoso_updates`."""
        if _is_virtuoso(self):
            url = self.endpoint if self._update_guessed else self.update_endpoint
            for part in _virtuoso_updates(text):
                self._request(url, part, update=True)
            return
        self._request(self.update_endpoint, text, update=True)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        lines = "\n".join(
            f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads
        )
        if lines:
            self.update(f"INSERT DATA {{\n{lines}\n}}")

    # -- transport --------------------------------------------------------------------------
    def _request(
        self, url: str, text: str, *, update: bool = False, union: bool = False
    ) -> dict[str, Any]:
        """POST one query or update within the deadline; the answer as parsed JSON, or
        {"triples": [...]} for a graph answer."""
        fields = {"update" if update else "query": text}
        if union:
            fields["union-default-graph"] = "true"
        body = urllib.parse.urlencode(fields).encode("utf-8")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Accept": "*/*"
            if update
            else f"{RESULTS_JSON}, application/n-triples;q=0.9, text/turtle;q=0.8",
        }
        deadline = time.monotonic() + self.timeout_s
        status, answer_headers, raw = _post(url, body, headers, deadline, self.max_bytes)
        if self._software is None:
            self._software = answer_headers.get("server", "")
        ctype = answer_headers.get("content-type", "")
        if status >= 400:
            detail = " ".join(raw.decode("utf-8", "replace").split())
            if len(detail) > 500:  # Virtuoso echoes the query first and says why at the end
                detail = f"{detail[:200]} … {detail[-300:]}"
            if status in STATUS_NAMES:
                raise RemoteError(
                    f"{url} refused the request: {STATUS_NAMES[status]}: {status} {detail}"
                )
            raise RemoteError(f"{url} answered {status}: {detail}")
        if update:
            return {}
        _check_row_cap(url, answer_headers)
        return _decode(url, ctype, raw)


def _origin(parts: urllib.parse.SplitResult) -> tuple[str, str, int]:
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


def _post(
    url: str, body: bytes, headers: Mapping[str, str], deadline: float, max_bytes: int
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (names in lower case) and body of a POST, following same-origin redirects and honouring
    Retry-After a bounded number of times, all within `deadline`."""
    first = urllib.parse.urlsplit(url)
    target, redirects, retries = url, 0, 0
    while True:
        status, response_headers, raw = _post_once(target, body, headers, deadline, max_bytes)
        if status in (301, 302, 303, 307, 308):
            location = response_headers.get("location", "")
            nxt = urllib.parse.urlsplit(urllib.parse.urljoin(target, location))
            if not location or _origin(nxt) != _origin(first):
                raise RemoteError(
                    f"{url} redirected to {location or 'nowhere'}: another host; "
                    "not followed (give that endpoint's URL if it is meant)"
                )
            redirects += 1
            if redirects > MAX_REDIRECTS:
                raise RemoteError(f"{url} redirected more than {MAX_REDIRECTS} times")
            target = nxt.geturl()
            continue
        if status in (429, 503) and retries < MAX_RETRIES:
            wait = _retry_after(response_headers.get("retry-after", ""))
            if wait is not None and time.monotonic() + wait < deadline:
                retries += 1
                time.sleep(wait)
                continue
        if status in (429, 503):
            raise RemoteError(
                f"{url} answered {status} (busy) and still was after "
                f"{retries} retries within the request's deadline"
            )
        return status, response_headers, raw


def _retry_after(value: str) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), capped."""
    value = value.strip()
    if not value:
        return 1.0  # none given: a short pause
    if value.isdigit():
        return min(float(value), MAX_RETRY_WAIT_S)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return min(max(0.0, when - time.time()), MAX_RETRY_WAIT_S)


def _post_once(
    url: str, body: bytes, headers: Mapping[str, str], deadline: float, max_bytes: int
) -> tuple[int, dict[str, str], bytes]:
    parts = urllib.parse.urlsplit(url)
    left = deadline - time.monotonic()
    if left <= 0:
        raise RemoteError(f"{url} did not answer within the deadline")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = kind(parts.hostname or "", parts.port, timeout=left)
    try:
        conn.request("POST", path, body=body, headers=dict(headers))
        _arm(conn, deadline, url)
        response = conn.getresponse()
        response_headers = {k.lower(): v for k, v in response.getheaders()}
        declared = response_headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise RemoteError(f"{url} announced {int(declared)} bytes; the limit is {max_bytes}")
        chunks, size = [], 0
        while True:
            _arm(conn, deadline, url)
            chunk = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise RemoteError(
                    f"{url} sent more than {max_bytes} bytes; stopped reading "
                    "(narrow the query, or raise the client's byte limit)"
                )
            chunks.append(chunk)
        return response.status, response_headers, b"".join(chunks)
    except RemoteError:
        raise
    except (TimeoutError, http.client.IncompleteRead) as exc:
        if time.monotonic() >= deadline or isinstance(exc, TimeoutError):
            raise RemoteError(f"{url} did not answer within the deadline") from None
        raise RemoteError(f"{url} cut its answer short") from None
    except (http.client.HTTPException, OSError) as exc:
        reason = " ".join(str(getattr(exc, "reason", exc) or type(exc).__name__).split())
        raise RemoteError(f"cannot reach {url}: {reason}") from None
    finally:
        conn.close()


def _arm(conn: http.client.HTTPConnection, deadline: float, url: str) -> None:
    """Give the next socket read only what is left of the deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise RemoteError(f"{url} did not answer within the deadline")
    if conn.sock is not None:
        conn.sock.settimeout(left)


def _decode(url: str, ctype: str, raw: bytes) -> dict[str, Any]:
    """A JSON results document, or a graph answer as {"triples": [...]}."""
    media = ctype.split(";")[0].strip().lower()
    if media in GRAPH_TYPES:
        try:
            triples = [q.triple for q in ox.parse(raw, format=GRAPH_TYPES[media])]
        except (SyntaxError, ValueError) as exc:
            message = " ".join(str(exc).split())[:200]
            raise RemoteError(f"{url} sent a malformed graph: {message}") from None
        return {"triples": triples}
    if "xml" in media:
        raise RemoteError(
            f"{url} sent XML ({media}) though JSON was asked for; plankg does not "
            "read XML results (entities are never expanded)"
        )
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except RecursionError:
        raise RemoteError(f"{url} sent JSON nested too deeply to be results") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        # The Oxigraph server sends 200 before its timeout fires and then cuts the body.
        raise RemoteError(
            f"{url} sent incomplete results (the server's time limit may have cut them off)"
        ) from None
    if not isinstance(data, dict) or not ("boolean" in data or isinstance(data.get("head"), dict)):
        raise RemoteError(
            f"{url} sent a malformed answer: not SPARQL JSON results "
            f"({raw[:60].decode('utf-8', 'replace')!r})"
        )
    return data


def _bindings(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    bindings = data["results"]["bindings"]
    if not isinstance(bindings, list) or not all(isinstance(b, dict) for b in bindings):
        raise _Malformed("`results.bindings` is not a list of objects")
    return bindings


def _values_block(substitutions: Mapping[ox.Variable, Any]) -> str:
    names = " ".join(f"?{v.value}" for v in substitutions)
    terms = " ".join(str(t) for t in substitutions.values())
    return f"\nVALUES ({names}) {{ ({terms}) }}\n"


def _guess_update(endpoint: str) -> str:
    """Oxigraph serves /query and /update; Fuseki /ds/query or /ds/sparql and /ds/update."""
    for tail in ("/query", "/sparql"):
        if endpoint.rstrip("/").endswith(tail):
            return endpoint.rstrip("/")[: -len(tail)] + "/update"
    return endpoint


# -- Virtuoso ------------------------------------------------------------------------------------
# OpenLink Virtuoso (tested with Debian's virtuoso-opensource 7.2) differs from the SPARQL 1.1
# Protocol as Oxigraph and Fuseki speak it in the ways below; each is handled here, in one
# place, and only when the server says it is Virtuoso (its `Server` header).
# - Updates go to the query URL (/sparql), not to a separate /update.
# - Its SPARQL compiler runs out of parser stack ("SP030 … memory exhausted") on an INSERT DATA
#   of a few thousand triples, so large bodies are sent in batches of VIRTUOSO_BATCH_TRIPLES.
#   The batches are separate requests: an ingest interrupted half-way leaves some graphs
#   partly written (the embedded store and Oxigraph keep one transaction).
# - It cuts answers at `ResultSetMaxRows` (10,000 by default) without an error, announcing the
#   cut only in the `X-SPARQL-MaxRows` header: plankg raises RemoteError rather than give a
#   silently incomplete answer.
# - Its SPARQL compiler reads a plain string literal of the query text as a narrow (Latin-1)
#   string inside expressions: SEPARATOR="、" joins with "?", CONCAT(?x, "：") gives mojibake.
#   Non-ASCII plain literals are sent as "…"^^xsd:string (the same literal in RDF 1.1), which
#   Virtuoso reads as the wide string it is (`_virtuoso_query`).
# - It stores xsd:boolean as 0/1 and sends "0"^^xsd:boolean: read back as the canonical
#   "false"/"true" (the same value; `_canonical_boolean`, harmless for any server).
# - SELECT DISTINCT … ORDER BY ?v, with ?v not projected, repeats rows that differ only in ?v
#   (Virtuoso sorts before it projects, and keeps ?v in the DISTINCT): the rows of a
#   top-level SELECT DISTINCT are made distinct again here, first occurrence kept (order kept).
# - A trailing VALUES block does not join with the variables the query BINDs: Virtuoso puts
#   the value into every row instead of keeping the rows that have it. Parameters are applied
#   by keeping the rows whose column equals the parameter's term, here, after the query.
# Its default graph is already the union of all graphs, as plankg's queries expect (it also
# holds Virtuoso's own system graphs, which plankg's patterns never match).
VIRTUOSO_BATCH_TRIPLES = 1000
VIRTUOSO_ROW_CAP_HEADER = "X-SPARQL-MaxRows"


def _said_virtuoso(store: RemoteStore) -> bool:
    """Whether an answer so far came from Virtuoso (no request)."""
    return (store._software or "").lower().startswith("virtuoso")


def _is_virtuoso(store: RemoteStore) -> bool:
    """Whether the endpoint is Virtuoso, by the `Server` header of its first answer (a trivial
    ASK when nothing was asked yet; asked again after a failed probe, so that a server started
    later is still recognised)."""
    if store._software is None:
        try:
            store._request(store.endpoint, "ASK {}")
        except RemoteError:
            return False
    return _said_virtuoso(store)


def _virtuoso_updates(text: str, max_triples: int = VIRTUOSO_BATCH_TRIPLES) -> list[str]:
    """Split an update plankg wrote (operations joined by ` ;` line ends, then one `INSERT DATA
    { GRAPH <g> { N-Triples lines } … }`) so that no request carries more than `max_triples`
    triples. The operations before the INSERT DATA go with its first batch, in order. Text of
    any other shape is returned whole: N-Triples lines never contain a raw line break, so the
    line structure is reliable."""
    head, marker, rest = text.partition("INSERT DATA {\n")
    if not marker or not rest.endswith("}") or "INSERT DATA" in rest:
        return [text]
    batches: list[list[str]] = []  # each: the lines of one INSERT DATA body
    current: list[str] = []
    graph: str | None = None
    count = 0
    for line in rest[:-1].split("\n"):
        if graph is None and line.startswith("GRAPH <") and line.endswith(" }"):
            if count == max_triples:  # one quad per line, as `extend` writes them
                batches.append(current)
                current, count = [], 0
            current.append(line)
            count += 1
        elif line.startswith("GRAPH <") and line.endswith("{"):
            graph = line
            current.append(line)
        elif line == "}" and graph is not None:
            current.append(line)
            graph = None
        elif graph is not None and line.strip():
            if count == max_triples:
                current.append("}")
                batches.append(current)
                current, count = [graph], 0
            current.append(line)
            count += 1
        elif line.strip() and line.strip() != "}":
            return [text]  # not the shape this function knows
    if graph is not None:
        return [text]
    batches.append(current)
    updates = ["INSERT DATA {\n" + "\n".join(b) + "\n}" for b in batches if b]
    if head.strip():
        updates[0] = head + updates[0]
    return updates


def _check_row_cap(url: str, headers: Any) -> None:
    """Raise when Virtuoso says it cut the answer at its ResultSetMaxRows."""
    cap = headers.get(VIRTUOSO_ROW_CAP_HEADER.lower()) if headers is not None else None
    if cap:
        raise RemoteError(
            f"{url} cut the answer at {cap} rows (Virtuoso's ResultSetMaxRows): "
            "raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini, or "
            "narrow the query"
        )


XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# The tokens of a query that may hold a `"`: long and short strings, IRIs, comments (in the
# order a scanner meets them, so that a `#` or quote inside an IRI or a string is not misread).
_TOKENS = re.compile(
    r'''("""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''''
    r"""|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')"""
    r"""|<[^<>"{}|^`\\\x00-\x20]*>|\#[^\n]*"""
)


def _virtuoso_query(text: str) -> str:
    """The query as Virtuoso must read it: each plain string literal holding a character outside
    ASCII gets the datatype xsd:string, which RDF 1.1 gives it anyway. Virtuoso then reads it
    as the wide string it is; plain, it reads it as Latin-1 (CONCAT(?x, "：") came back as
    mojibake, SEPARATOR="、" joined with "?")."""

    def typed(match: re.Match[str]) -> str:
        token = match.group(0)
        if match.group(1) is None or token.isascii():
            return token  # an IRI, a comment, or an ASCII string: Virtuoso reads them right
        after = match.string[match.end() : match.end() + 2]
        if after.startswith("@") or after == "^^":
            return token  # already a language-tagged or typed literal
        return f"{token}^^<{XSD_STRING}>"

    return _TOKENS.sub(typed, text)


def _canonical_boolean(value: str, datatype: str) -> str:
    """xsd:boolean in its canonical lexical form (Virtuoso sends 0 and 1)."""
    if datatype == XSD_BOOLEAN and value in ("0", "1"):
        return "true" if value == "1" else "false"
    return value


_FIRST_SELECT = re.compile(
    r"^(?:\s*(?:#[^\n]*|PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>))*\s*SELECT"
    r"\s+(DISTINCT|REDUCED)?",
    re.IGNORECASE,
)


def _selects_distinct(text: str) -> bool:
    """Whether the query's outermost SELECT is SELECT DISTINCT."""
    match = _FIRST_SELECT.match(text)
    return bool(match and (match.group(1) or "").upper() == "DISTINCT")


def _distinct_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[tuple[str, str], ...]] = set()
    out = []
    for row in rows:
        key = tuple(sorted((k, str(v)) for k, v in row.items()))
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def _bound_rows(
    rows: list[dict[str, Any]], substitutions: Mapping[ox.Variable, Any]
) -> list[dict[str, Any]]:
    """The rows whose columns hold the parameters' terms (what the VALUES join would keep)."""
    wanted = {v.value: t for v, t in substitutions.items()}
    return [row for row in rows if all(row.get(k) == t for k, t in wanted.items())]
