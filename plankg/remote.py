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
"""

from __future__ import annotations

import json
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
        return ox.Literal(binding["value"], datatype=ox.NamedNode(binding["datatype"]))
    return ox.Literal(binding["value"])


class RemoteStore:
    """A SPARQL 1.1 endpoint (query URL, optional update URL) seen as a plankg store."""

    def __init__(self, endpoint: str, update_endpoint: str | None = None, *,
                 timeout_s: int = DEFAULT_TIMEOUT_S, union_default_graph: bool = True) -> None:
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or _guess_update(endpoint)
        self.timeout_s = timeout_s
        self.union_default_graph = union_default_graph

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    # -- reading ----------------------------------------------------------------------------
    def query(self, text: str, *, use_default_graph_as_union: bool = False,
              prefixes: Mapping[str, str] | None = None,
              substitutions: Mapping[ox.Variable, Any] | None = None, **_: Any) -> Any:
        """Run a query; SELECT gives solutions, ASK a bool, CONSTRUCT/DESCRIBE a list of triples."""
        head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())
        body = text + _values_block(substitutions) if substitutions else text
        union = use_default_graph_as_union and self.union_default_graph
        data = self._request(self.endpoint, head + body, union=union)
        if "boolean" in data:
            return bool(data["boolean"])
        if "head" in data:
            variables = data["head"].get("vars", [])
            rows = [{k: _term(v) for k, v in b.items()} for b in data["results"]["bindings"]]
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
        can; Oxigraph and Fuseki do)."""
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
