"""The embedded store: Oxigraph on disk, one named graph per plan.

Location: `--store DIR`, else the `PLANKG_STORE` variable, else `./plankg-store`. Writes are
transactions: replacing plans' graphs is one SPARQL update, so an ingest that fails or is
interrupted leaves the store as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from plankg import iri
from plankg.errors import PlankgError

DEFAULT_STORE = "plankg-store"
ONTOLOGY_FILES = (
    "plankg.ttl",
    "sectors.ttl",
    "instruments.ttl",
    "indicators.ttl",
    "unit-types.ttl",
)


class StoreError(PlankgError):
    """The store cannot be opened or written."""

    code = "E010"


def store_path(option: str | Path | None = None) -> Path:
    """Where the embedded store lives: the option, else $PLANKG_STORE, else ./plankg-store."""
    return Path(option or os.environ.get("PLANKG_STORE") or DEFAULT_STORE)


def open_store(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    endpoint: str | None = None,
    update_endpoint: str | None = None,
) -> ox.Store:
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
            if journal_path(location).exists():
                _recover_before_reading(location)
            return ox.Store.read_only(str(location))
        location.mkdir(parents=True, exist_ok=True)
        store = ox.Store(str(location))
        recover(store, location)
        return store
    except OSError as exc:
        raise StoreError(f"cannot open the store: {exc}", path=location) from None


def _recover_before_reading(location: Path) -> None:
    """A killed ingest left its journal: roll it back before reading, unless a writer holds
    the store (an ingest still running: its readers see what it has written so far)."""
    try:
        store = ox.Store(str(location))
    except OSError:
        return
    recover(store, location)
    del store


def ntriples(quads: Iterable[ox.Quad]) -> str:
    """The triples of quads as N-Triples lines (the graph name is dropped)."""
    return "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)


def replace_graphs(
    store: ox.Store,
    graphs: dict[str, str],
    *,
    add: dict[str, str] | None = None,
    drop: Iterable[str] = (),
) -> None:
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
    return sorted(
        g.value
        for g in store.named_graphs()
        if isinstance(g, ox.NamedNode) and g.value.startswith(iri.PLAN_GRAPH_PREFIX)
    )


# --------------------------------------------------------------------------------------------
# Writing many graphs in bounded memory, all or nothing for the user
#
# A large ingest cannot be one transaction: Oxigraph keeps a transaction's writes in memory.
# So plan graphs are written batch by batch (the bulk loader on the embedded store, SPARQL
# updates on a remote one) under an undo journal: before the first batch, every graph the run
# replaces is dumped to the journal folder, with the list of graphs the run writes. The run is
# committed by one last small transaction that records it in the runs graph; a run that stops
# before that (an error, Ctrl-C, SIGTERM) is rolled back at once, and one that was killed is
# rolled back the next time the store is opened. Queries stay as they are: they never see a
# run's graphs once it has failed, and the store is as it was before the run.

JOURNAL_SUFFIX = ".ingest-journal"
BATCH_BYTES = 32 * 1024 * 1024  # N-Quads per bulk load: bounds the parent's memory


def journal_path(location: str | Path) -> Path:
    """The undo journal of the store at `location`: a folder beside it, present only while a
    run is writing (or after one was killed)."""
    location = Path(location)
    return location.with_name(location.name + JOURNAL_SUFFIX)


def finish_writes(store: ox.Store) -> None:
    """Flush the store's buffers to its files, so that the next open does not replay a long
    write-ahead log (seconds at a few million quads; 0.01 s once flushed)."""
    if hasattr(store, "flush"):
        store.flush()


def write_graphs(
    store: ox.Store,
    sources: Iterable[tuple[str, Path]],
    *,
    run: str,
    commit: Callable[[], None],
    journal: Path | None = None,
    batch_bytes: int = BATCH_BYTES,
) -> None:
    """Replace each graph with the N-Triples of its files (a graph may come with several, one
    after the other), in batches of about `batch_bytes`, then call `commit` (one transaction
    that must record `run` in the runs graph). Any exception before `commit` returns rolls every
    graph back to what it was, and re-raises."""
    import shutil
    import tempfile

    sources = list(sources)
    own_journal = journal is None
    folder = Path(tempfile.mkdtemp(prefix="plankg-journal-")) if own_journal else journal
    folder.mkdir(parents=True, exist_ok=True)
    try:
        graphs = list(dict.fromkeys(g for g, _ in sources))
        _begin(store, folder, run, graphs)
        for graph in graphs:
            _drop(store, graph)
        batch: list[tuple[str, Path]] = []
        size = 0
        for graph, path in sources:
            batch.append((graph, path))
            size += path.stat().st_size
            if size >= batch_bytes:
                _load_batch(store, batch)
                batch, size = [], 0
        if batch:
            _load_batch(store, batch)
        commit()
    except BaseException:
        _rollback(store, folder)
        raise
    finally:
        finish_writes(store)
        shutil.rmtree(folder, ignore_errors=True)


def _begin(store: ox.Store, folder: Path, run: str, graphs: list[str]) -> None:
    """Dump the graphs that the run replaces, then write the manifest (last: a journal without
    a manifest means nothing was written yet)."""
    import json

    backups = {}
    for n, graph in enumerate(graphs):
        node = ox.NamedNode(graph)
        if store.contains_named_graph(node):
            name = f"backup-{n}.nt"
            store.dump(str(folder / name), format=ox.RdfFormat.N_TRIPLES, from_graph=node)
            backups[graph] = name
    manifest = {"run": run, "graphs": graphs, "backups": backups}
    tmp = folder / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / "manifest.json")


def _load_batch(store: ox.Store, batch: list[tuple[str, Path]]) -> None:
    """Add the batch's triples to their (dropped) graphs: one bulk load of N-Quads on the
    embedded store, one SPARQL update on a remote one."""
    if hasattr(store, "bulk_load"):
        data = b"".join(_as_nquads(graph, path.read_bytes()) for graph, path in batch)
        if data:
            store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    else:
        add: dict[str, str] = {}
        for g, p in batch:
            add[g] = add.get(g, "") + "\n" + p.read_text(encoding="utf-8")
        replace_graphs(store, {}, add=add)


def _as_nquads(graph: str, ntriples: bytes) -> bytes:
    """N-Triples lines (one triple a line, ending in " .") as N-Quads lines of `graph`."""
    if not ntriples.strip():
        return b""
    tail = f" <{graph}> .\n".encode()
    body = ntriples.rstrip(b"\n")
    return body.replace(b" .\n", tail).removesuffix(b" .") + tail


def _drop(store: ox.Store, graph: str) -> None:
    if store.contains_named_graph(ox.NamedNode(graph)):
        store.update(f"DROP SILENT GRAPH <{graph}>")


def _rollback(store: ox.Store, folder: Path) -> None:
    """Undo a run from its journal: drop every graph it writes, reload the ones it replaced."""
    import json

    manifest_file = folder / "manifest.json"
    if not manifest_file.exists():
        return
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    for graph in manifest["graphs"]:
        _drop(store, graph)
    for graph, name in manifest["backups"].items():
        path = folder / name
        if hasattr(store, "bulk_load"):
            store.bulk_load(
                path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph)
            )
        else:
            replace_graphs(store, {graph: path.read_text(encoding="utf-8")})
    finish_writes(store)


def recover(store: ox.Store, location: str | Path) -> bool:
    """Finish what a killed run left: if its run record was committed, only the journal goes;
    otherwise the run is rolled back. True when there was something to recover."""
    import json
    import shutil

    folder = journal_path(location)
    if not folder.exists():
        return False
    manifest_file = folder / "manifest.json"
    if manifest_file.exists():
        run = json.loads(manifest_file.read_text(encoding="utf-8"))["run"]
        committed = (
            bool(run)
            and ox.Quad(
                ox.NamedNode(run),
                ox.NamedNode(iri.RDF + "type"),
                ox.NamedNode(iri.PK + "IngestRun"),
                ox.NamedNode(iri.RUNS_GRAPH),
            )
            in store
        )
        if not committed:
            _rollback(store, folder)
    shutil.rmtree(folder, ignore_errors=True)
    return True
