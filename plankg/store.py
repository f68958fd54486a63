"""The embedded store: Oxigraph on disk, one named graph per plan.

Location: `--store DIR`, else the `PLANKG_STORE` variable, else `./plankg-store`. Writes are
transactions: replacing plans' graphs is one SPARQL update, so an ingest that fails or is
interrupted leaves the store as it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from plankg import iri
from plankg.errors import PlankgError

DEFAULT_STORE = "plankg-store"
ONTOLOGY_FILES = ("plankg.ttl", "sectors.ttl", "instruments.ttl", "indicators.ttl",
                  "unit-types.ttl")


class StoreError(PlankgError):
    """The store cannot be opened or written."""

    code = "E010"


def store_path(option: str | Path | None = None) -> Path:
    """Where the embedded store lives: the option, else $PLANKG_STORE, else ./plankg-store."""
    return Path(option or os.environ.get("PLANKG_STORE") or DEFAULT_STORE)


def open_store(path: str | Path | None = None, *, read_only: bool = False,
               endpoint: str | None = None, update_endpoint: str | None = None) -> ox.Store:
    """Open (or create) the on-disk store; read-only opening lets a second process read.
    With `endpoint` (or $PLANKG_ENDPOINT), a remote SPARQL 1.1 store is used instead."""
    endpoint = endpoint or os.environ.get("PLANKG_ENDPOINT")
    if endpoint:
        from plankg.remote import RemoteStore

        return RemoteStore(endpoint, update_endpoint)  # type: ignore[return-value]
    location = store_path(path)
    try:
        if read_only:
            if not location.exists():
                raise StoreError("no store here yet: run `plankg ingest` first", path=location)
            return ox.Store.read_only(str(location))
        location.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(location))
    except OSError as exc:
        raise StoreError(f"cannot open the store: {exc}", path=location) from None


def ntriples(quads: Iterable[ox.Quad]) -> str:
    """The triples of quads as N-Triples lines (the graph name is dropped)."""
    return "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)


def replace_graphs(store: ox.Store, graphs: dict[str, str], *, add: dict[str, str] | None = None,
                   drop: Iterable[str] = ()) -> None:
    """Replace each named graph with the given N-Triples, add to others, and drop others, all in
    ONE transaction (a single SPARQL update): on any error nothing is written."""
    parts = [f"DROP SILENT GRAPH <{g}>" for g in (*graphs, *drop)]
    body = [f"GRAPH <{g}> {{\n{t}\n}}" for g, t in (*graphs.items(), *(add or {}).items()) if t]
    if body:
        parts.append("INSERT DATA {\n" + "\n".join(body) + "\n}")
    if parts:
        store.update(" ;\n".join(parts))


def ontology_quads() -> list[ox.Quad]:
    """The ontology and the SKOS schemes, for their own named graph (labels for queries)."""
    graph = ox.NamedNode(iri.ONTOLOGY_GRAPH)
    out: list[ox.Quad] = []
    for name in ONTOLOGY_FILES:
        data = (resources.files("plankg.ontology") / name).read_bytes()
        for t in ox.parse(data, format=ox.RdfFormat.TURTLE):
            if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
                continue  # owl:unionOf lists: not needed for queries, and blank nodes don't replace cleanly
            out.append(ox.Quad(t.subject, t.predicate, t.object, graph))
    return out


def plan_graphs(store: ox.Store) -> list[str]:
    return sorted(g.value for g in store.named_graphs()
                  if isinstance(g, ox.NamedNode) and g.value.startswith(iri.PLAN_GRAPH_PREFIX))
