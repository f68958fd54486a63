"""Median time of every named query on the embedded Oxigraph store, against the same query over
the same data in rdflib's in-memory SPARQL engine, in one run. Not a test: prints figures only.

rdflib runs each query in a child process with a time limit (its engine can take minutes on
grouped sub-selects), so a slow query is reported as stopped rather than hanging the run.

    .venv/bin/python benchmarks/bench_queries.py [--repeat N] [--limit SECONDS]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLANS = sorted((ROOT / "data" / "plans").glob("*.txt"))


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _rdflib_worker(nquads: bytes, queries: dict[str, str], repeat: int, out) -> None:
    import rdflib
    from rdflib.plugins.sparql import prepareQuery

    from plankg.iri import PREFIXES

    ds = rdflib.Dataset(default_union=True)
    t0 = time.perf_counter()
    ds.parse(data=nquads, format="nquads")
    out.put(("__load__", (time.perf_counter() - t0) * 1000, len(ds)))
    namespaces = {k: rdflib.Namespace(v) for k, v in PREFIXES.items()}
    for name, text in queries.items():
        prepared = prepareQuery(text, initNs=namespaces)
        rows = 0

        def run(prepared=prepared) -> None:
            nonlocal rows
            rows = len(list(ds.query(prepared)))

        try:
            out.put((name, _median_ms(run, repeat), rows))
        except Exception as exc:  # report rdflib's failure and go on
            out.put((name, float("nan"), f"error: {type(exc).__name__}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--limit", type=float, default=60.0, help="seconds rdflib may spend on all queries together"
    )
    args = parser.parse_args()

    import pyoxigraph as ox

    from plankg.ingest.pipeline import ingest
    from plankg.query import named_queries, run_sparql
    from plankg.store import open_store

    queries = {name: q.text for name, q in named_queries().items()}
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(tmp)
        ingest(PLANS, store)
        try:
            from plankg.link import link_store

            link_store(store)
        except ImportError:
            pass
        nquads = store.dump(format=ox.RdfFormat.N_QUADS)
        oxigraph = {}
        for name, text in queries.items():
            run_sparql(store, text)  # warm
            rows = len(run_sparql(store, text)[1])
            oxigraph[name] = (
                _median_ms(lambda text=text: run_sparql(store, text), args.repeat),
                rows,
            )

    results: dict[str, tuple[float, int]] = {}
    out: mp.Queue = mp.Queue()
    worker = mp.Process(target=_rdflib_worker, args=(nquads, queries, args.repeat, out))
    worker.start()
    deadline = time.monotonic() + args.limit
    while len(results) < len(queries) + 1 and time.monotonic() < deadline:
        try:
            name, ms, rows = out.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:  # the time limit ran out
            break
        results[name] = (ms, rows)
    worker.terminate()
    worker.join()

    load = results.pop("__load__", (float("nan"), 0))
    print(
        f"{len(PLANS)} plans, {load[1]:,} quads; rdflib load {load[0]:.0f} ms; "
        f"median of {args.repeat} runs"
    )
    print(f"{'query':<30}{'rows':>6}{'oxigraph ms':>13}{'rdflib ms':>12}{'rdflib/oxigraph':>17}")
    for name, (ms, rows) in oxigraph.items():
        if name in results and isinstance(results[name][1], str):
            print(f"{name:<30}{rows:>6}{ms:>13.1f}  rdflib {results[name][1]}")
        elif name in results:
            r_ms, r_rows = results[name]
            mark = "" if r_rows == rows else f"  (rdflib gave {r_rows} rows)"
            print(f"{name:<30}{rows:>6}{ms:>13.1f}{r_ms:>12.1f}{r_ms / ms:>16.0f}×{mark}")
        else:
            print(f"{name:<30}{rows:>6}{ms:>13.1f}{'stopped':>12}{'':>17}")


if __name__ == "__main__":
    main()
