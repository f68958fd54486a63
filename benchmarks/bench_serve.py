"""`plankg serve` against the embedded store: median latency of a few named queries through the
endpoint (urllib over loopback) and directly (`run_named` in this process), then throughput
with 1, 4 and 8 concurrent clients, each setting bounded in time. Not a test: prints figures.

    .venv/bin/python benchmarks/bench_serve.py [--store DIR] [--repeat N] [--seconds S]

Without --store, the five plans are ingested and linked into a temporary store first.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from plankg.iri import PREFIXES
from plankg.query import get_query, run_named

ROOT = Path(__file__).resolve().parents[1]
NAMED = ("plans", "district-summary", "targets", "assignments", "mentions")
LIGHT = "SELECT ?plan ?title WHERE { ?plan a pk:Plan ; dcterms:title ?title } ORDER BY ?plan"


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _get(url: str, accept: str = "application/sparql-results+json") -> bytes:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def _start_server(store: Path, workers: int) -> tuple[subprocess.Popen[str], str]:
    code = (
        "from plankg.serve import serve\n"
        f"serve({str(store)!r}, port=0, workers={workers}, timeout_s=60, "
        "ready=lambda url: print(url, flush=True))"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    url = {"": ""}

    def read() -> None:
        assert process.stdout is not None
        url[""] = process.stdout.readline()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(120)
    match = re.search(r"http://\S+/sparql", url[""])
    if not match:
        process.kill()
        raise SystemExit("the server did not start")
    return process, match.group(0)


def _throughput(call: Callable[[], object], clients: int, seconds: float) -> tuple[int, float]:
    """Requests answered by `clients` threads in `seconds`, and requests per second."""
    stop = time.monotonic() + seconds
    counts = [0] * clients

    def client(i: int) -> None:
        while time.monotonic() < stop:
            call()
            counts[i] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return sum(counts), sum(counts) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an ingested store (default: build one)")
    parser.add_argument("--repeat", type=int, default=15, help="runs per latency figure")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per throughput run")
    parser.add_argument("--workers", type=int, default=4, help="the server's worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = args.store
        if store_dir is None:
            store_dir = Path(tmp) / "store"
            for command in (["ingest", "--quiet"], ["link"]):
                subprocess.run(
                    [sys.executable, "-m", "plankg.cli", *command, "--store", str(store_dir)],
                    check=True,
                    capture_output=True,
                    timeout=600,
                )
        store = ox.Store.read_only(str(store_dir))
        process, url = _start_server(store_dir, args.workers)
        base = url.rsplit("/", 1)[0]
        try:
            print(
                f"latency, median of {args.repeat} runs (ms); server with {args.workers} "
                "workers on loopback"
            )
            print(f"{'query':<20}{'rows':>6}{'embedded':>10}{'/queries':>10}{'/sparql':>10}")
            for name in NAMED:
                rows = len(run_named(store, name)[1])
                direct = _median_ms(lambda n=name: run_named(store, n), args.repeat)
                named = _median_ms(lambda n=name: _get(f"{base}/queries/{n}"), args.repeat)
                form = urllib.parse.urlencode({"query": get_query(name).text})
                sparql = _median_ms(lambda f=form: _get(f"{url}?{f}"), args.repeat)
                print(f"{name:<20}{rows:>6}{direct:>10.1f}{named:>10.1f}{sparql:>10.1f}")
            direct = _median_ms(
                lambda: list(
                    store.query(LIGHT, prefixes=PREFIXES, use_default_graph_as_union=True)
                ),
                args.repeat,
            )
            light = f"{url}?{urllib.parse.urlencode({'query': LIGHT})}"
            over = _median_ms(lambda: _get(light), args.repeat)
            print(f"{'(5 plan titles)':<20}{5:>6}{direct:>10.1f}{'':>10}{over:>10.1f}")

            print(f"\nthroughput over {args.seconds:g} s per setting (requests/s)")
            heavy = f"{base}/queries/assignments"
            print(f"{'clients':<10}{'light /sparql':>15}{'assignments':>14}")
            for clients in (1, 4, 8):
                _, light_rate = _throughput(lambda: json.loads(_get(light)), clients, args.seconds)
                _, heavy_rate = _throughput(lambda: _get(heavy), clients, args.seconds)
                print(f"{clients:<10}{light_rate:>15.1f}{heavy_rate:>14.1f}")
        finally:
            process.terminate()
            process.wait(15)


if __name__ == "__main__":
    main()
