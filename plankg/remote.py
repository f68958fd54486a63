"""A remote SPARQL 1.1 store reached through SPARQLWrapper, usable wherever plankg takes a store.

`RemoteStore` offers the part of `pyoxigraph.Store` that plankg uses (query, update,
named_graphs, contains_named_graph, quads_for_pattern, dump, extend), so ingest, link, query and
export-graph run unchanged against the Oxigraph server (`oxigraph serve`), Apache Jena Fuseki or
Virtuoso. Results are requested as SPARQL JSON; every request has a timeout; server errors become
`RemoteError` with the server's message.

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

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pyoxigraph as ox

from plankg.errors import PlankgError

DEFAULT_TIMEOUT_S = 60


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


def _term(binding: Mapping[str, str]) -> ox.NamedNode | ox.Literal | ox.BlankNode:
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

    def __init__(self, endpoint: str, update_endpoint: str | None = None, *,
                 timeout_s: int = DEFAULT_TIMEOUT_S, union_default_graph: bool = True) -> None:
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or _guess_update(endpoint)
        self.timeout_s = timeout_s
        self.union_default_graph = union_default_graph
        self._update_guessed = update_endpoint is None
        self._software: str | None = None  # the server's `Server` header, asked once

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    # -- reading ----------------------------------------------------------------------------
    def query(self, text: str, *, use_default_graph_as_union: bool = False,
              prefixes: Mapping[str, str] | None = None,
              substitutions: Mapping[ox.Variable, Any] | None = None, **_: Any) -> Any:
        """Run a query; SELECT gives solutions, ASK a bool, CONSTRUCT/DESCRIBE a list of triples."""
        head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())
        virtuoso = _is_virtuoso(self)
        body = text + _values_block(substitutions) if substitutions and not virtuoso else text
        union = use_default_graph_as_union and self.union_default_graph
        if virtuoso:
            body = _virtuoso_query(body)
        data = self._request(self.endpoint, head + body, union=union)
        if "boolean" in data:
            return bool(data["boolean"])
        if "head" in data:
            variables = data["head"].get("vars", [])
            rows = [{k: _term(v) for k, v in b.items()} for b in data["results"]["bindings"]]
            if virtuoso and _selects_distinct(text):
                rows = _distinct_rows(rows)
            if virtuoso and substitutions:
                rows = _bound_rows(rows, substitutions)
            return _Solutions(variables, rows)
        return data["triples"]

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        data = self._request(self.endpoint,
                             "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        for b in data["results"]["bindings"]:
            if b["g"]["type"] == "uri":
                yield ox.NamedNode(b["g"]["value"])

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self._request(self.endpoint, f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
                    ["boolean"])

    def quads_for_pattern(self, subject: Any, predicate: Any, obj: Any,
                          graph: Any = None) -> Iterator[ox.Quad]:
        pattern = " ".join(str(t) if t is not None else v for t, v in
                           ((subject, "?s"), (predicate, "?p"), (obj, "?o")))
        where = f"GRAPH {graph} {{ {pattern} }}" if graph is not None else \
            f"GRAPH ?g {{ {pattern} }}"
        data = self._request(self.endpoint, f"SELECT * WHERE {{ {where} }}")
        for b in data["results"]["bindings"]:
            yield ox.Quad(subject or _term(b["s"]), predicate or _term(b["p"]),
                          obj or _term(b["o"]), graph or _term(b["g"]))

    def dump(self, output: Any = None, format: ox.RdfFormat = ox.RdfFormat.N_QUADS,
             *, from_graph: ox.NamedNode | None = None, prefixes: Any = None) -> bytes | None:
        """Serialise one graph (`from_graph`) or the whole dataset, like pyoxigraph's dump."""
        if from_graph is not None:
            triples = [ox.Triple(q.subject, q.predicate, q.object)
                       for q in self.quads_for_pattern(None, None, None, from_graph)]
            data = ox.serialize(triples, format=format)
        else:
            data = ox.serialize(list(self.quads_for_pattern(None, None, None, None)),
                                format=format)
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
        lines = "\n".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}"
                          for q in quads)
        if lines:
            self.update(f"INSERT DATA {{\n{lines}\n}}")

    # -- transport --------------------------------------------------------------------------
    def _request(self, url: str, text: str, *, update: bool = False,
                 union: bool = False) -> dict[str, Any]:
        from urllib.error import HTTPError, URLError

        from SPARQLWrapper import JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        client = SPARQLWrapper(url)
        client.setTimeout(self.timeout_s)
        client.setMethod(POST)
        if union:
            client.addParameter("union-default-graph", "true")
        client.setQuery(text)  # SPARQLWrapper sees an update and posts it as update=
        if not update:
            client.setReturnFormat(JSON)
        try:
            response = client.query()
            if update:
                response.response.read()
                return {}
            raw = response.response.read()
            _check_row_cap(url, response.response.headers)
        except HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            raise RemoteError(f"{url} answered {exc.code}: {detail}") from None
        except SPARQLWrapperException as exc:
            message = " ".join(str(exc).split())  # one line: SPARQLWrapper's has the body
            raise RemoteError(f"{url} refused the request: {message}") from None
        except (URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RemoteError(f"cannot reach {url}: {reason}") from None
        try:
            return json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError:
            # The Oxigraph server sends 200 before its timeout fires and then cuts the body.
            raise RemoteError(f"{url} sent incomplete results (the server's time limit may "
                              "have cut them off)") from None


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


def _server_software(url: str, timeout_s: float) -> str:
    """The `Server` header of an endpoint, from a trivial ASK (empty when unreachable)."""
    from urllib.error import URLError
    from urllib.parse import urlencode
    from urllib.request import Request, urlopen

    request = Request(url + ("&" if "?" in url else "?") + urlencode({"query": "ASK {}"}),
                      headers={"Accept": "application/sparql-results+json"})
    try:
        with urlopen(request, timeout=timeout_s) as response:  # the user's own endpoint
            return response.headers.get("Server", "")
    except (URLError, OSError, ValueError) as exc:
        headers = getattr(exc, "headers", None)  # an HTTPError still names its server
        return headers.get("Server", "") if headers is not None else ""


def _is_virtuoso(store: RemoteStore) -> bool:
    """Whether the endpoint is Virtuoso; asked once (again after a failed probe, so that a
    server started later is still recognised)."""
    if not store._software:
        store._software = _server_software(store.endpoint, store.timeout_s)
    return store._software.lower().startswith("virtuoso")


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
    cap = headers.get(VIRTUOSO_ROW_CAP_HEADER) if headers is not None else None
    if cap:
        raise RemoteError(f"{url} cut the answer at {cap} rows (Virtuoso's ResultSetMaxRows): "
                          "raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini, or "
                          "narrow the query")


XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# The tokens of a query that may hold a `"`: long and short strings, IRIs, comments (in the
# order a scanner meets them, so that a `#` or quote inside an IRI or a string is not misread).
_TOKENS = re.compile(r'''("""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''''
                     r'''|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'''
                     r'''|<[^<>"{}|^`\\\x00-\x20]*>|\#[^\n]*''')


def _virtuoso_query(text: str) -> str:
    """The query as Virtuoso must read it: each plain string literal holding a character outside
    ASCII gets the datatype xsd:string, which RDF 1.1 gives it anyway. Virtuoso then reads it
    as the wide string it is; plain, it reads it as Latin-1 (CONCAT(?x, "：") came back as
    mojibake, SEPARATOR="、" joined with "?")."""
    def typed(match: re.Match[str]) -> str:
        token = match.group(0)
        if match.group(1) is None or token.isascii():
            return token  # an IRI, a comment, or an ASCII string: Virtuoso reads them right
        after = match.string[match.end():match.end() + 2]
        if after.startswith("@") or after == "^^":
            return token  # already a language-tagged or typed literal
        return f"{token}^^<{XSD_STRING}>"

    return _TOKENS.sub(typed, text)


def _canonical_boolean(value: str, datatype: str) -> str:
    """xsd:boolean in its canonical lexical form (Virtuoso sends 0 and 1)."""
    if datatype == XSD_BOOLEAN and value in ("0", "1"):
        return "true" if value == "1" else "false"
    return value


_FIRST_SELECT = re.compile(r"^(?:\s*(?:#[^\n]*|PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>))*\s*SELECT"
                           r"\s+(DISTINCT|REDUCED)?", re.IGNORECASE)


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


def _bound_rows(rows: list[dict[str, Any]],
                substitutions: Mapping[ox.Variable, Any]) -> list[dict[str, Any]]:
    """The rows whose columns hold the parameters' terms (what the VALUES join would keep)."""
    wanted = {v.value: t for v, t in substitutions.items()}
    return [row for row in rows if all(row.get(k) == t for k, t in wanted.items())]
