"""`plankg serve` under load: 50 clients for 60 s, 20 % of their requests heavy, on loopback.

Ingests the five seed plans into a temporary store, starts `plankg serve` on a free loopback port
with its defaults, and runs closed-loop clients (each sends its next request when the last one is
answered; on 503 it waits what Retry-After says, at most 2 s). Prints the light queries' p50/p95,
the share of 503 answers for light and heavy queries, and connection resets; the baseline is the
same light query's time with one client and no load, measured first in the same run. Not a test:
it prints figures and never fails on speed.

    .venv/bin/python benchmarks/bench_load.py [--clients 50] [--seconds 60] [--heavy 0.2]
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHT = [
    "SELECT ?plan ?title WHERE { ?plan a pk:Plan ; dcterms:title ?title } ORDER BY ?plan",
    "ASK { ?p a pk:Plan }",
    "SELECT ?d (COUNT(?m) AS ?n) WHERE { ?m a pk:Measure ; pk:plan ?p . ?p pk:district ?d } "
    "GROUP BY ?d",
    "SELECT ?t ?v WHERE { ?t a pk:Target ; pk:valueAsPrinted ?v } LIMIT 50",
]
HEAVY = [  # on the seed store alone: about 1.3 s, 8 s, and past the 10 s limit
    "SELECT (COUNT(*) AS ?n) WHERE { ?a a pk:Measure . ?b a pk:Measure "
    "FILTER(STR(?a) < STR(?b)) } # heavy {i}",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a pk:quote ?q . ?b pk:quote ?r "
    "FILTER(STRLEN(?q) > STRLEN(?r)) } # heavy {i}",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f } # heavy {i}",
]


@dataclass
class Tally:
    light_s: list[float] = field(default_factory=list)
    light_503: int = 0
    light_other: int = 0
    heavy_s: list[float] = field(default_factory=list)
    heavy_ok: int = 0
    heavy_503: int = 0
    heavy_other: int = 0
    resets: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def ask(port: int, query: str, timeout: float = 60.0) -> tuple[int, str]:
    """(status, Retry-After) of one POST on a fresh connection; status 0 on a reset."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        body = urllib.parse.urlencode({"query": query})
        conn.request(
            "POST",
            "/sparql",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Retry-After") or ""
    except (
        ConnectionResetError,
        ConnectionRefusedError,
        http.client.RemoteDisconnected,
        BrokenPipeError,
    ):
        return 0, ""
    finally:
        conn.close()


def client(port: int, stop: float, heavy_share: float, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    i = 0
    while time.monotonic() < stop:
        i += 1
        heavy = rng.random() < heavy_share
        query = rng.choice(HEAVY).replace("{i}", f"{seed}-{i % 3}") if heavy else rng.choice(LIGHT)
        started = time.monotonic()
        status, retry = ask(port, query)
        took = time.monotonic() - started
        with tally.lock:
            if status == 0:
                tally.resets += 1
            elif heavy:
                tally.heavy_s.append(took)
                if status == 200:
                    tally.heavy_ok += 1
                elif status == 503:
                    tally.heavy_503 += 1
                else:
                    tally.heavy_other += 1
            else:
                tally.light_s.append(took)
                if status == 503:
                    tally.light_503 += 1
                elif status != 200:
                    tally.light_other += 1
        if status == 503:
            time.sleep(min(float(retry or 1), 2.0))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--heavy", type=float, default=0.2, help="share of heavy requests")
    parser.add_argument("--store", help="an existing store (default: ingest the seed plans)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or str(Path(tmp) / "store")
        if not args.store:
            plans = sorted(str(p) for p in (ROOT / "data" / "plans").glob("*.txt"))
            subprocess.run(
                [sys.executable, "-m", "plankg.cli", "ingest", "--quiet", "--store", store, *plans],
                check=True,
                cwd=ROOT,
            )
        server = subprocess.Popen(
            [sys.executable, "-m", "plankg.cli", "serve", "--store", store, "--port", "0"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert server.stdout is not None
            port = 0
            for line in server.stdout:  # bounded: the server prints its URL or exits
                match = re.search(r"http://127\.0\.0\.1:(\d+)/sparql", line)
                if match:
                    port = int(match.group(1))
                    break
            if not port:
                raise SystemExit("the server did not start")
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
            baseline = []
            for _ in range(20):
                started = time.monotonic()
                ask(port, LIGHT[0])
                baseline.append(time.monotonic() - started)
            base = statistics.median(baseline)
            tally = Tally()
            stop = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=client, args=(port, stop, args.heavy, n, tally))
                for n in range(args.clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(args.seconds + 120)
        finally:
            server.terminate()
            server.wait(30)
    light, heavy = len(tally.light_s), len(tally.heavy_s)
    p50, p95 = _pct(tally.light_s, 0.5), _pct(tally.light_s, 0.95)
    print(f"{args.clients} clients, {args.seconds:g} s, {args.heavy:.0%} heavy requests")
    print(f"baseline (one client, no load): light query {base * 1000:.0f} ms")
    print(
        f"light: {light} answered, p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
        f"(p95 / baseline {p95 / base:.1f}x), 503 {tally.light_503 / max(light, 1):.1%}, "
        f"other errors {tally.light_other}"
    )
    print(
        f"heavy: {heavy} answered, 200 {tally.heavy_ok}, 503 {tally.heavy_503 / max(heavy, 1):.1%}"
        f", other {tally.heavy_other}, p50 {_pct(tally.heavy_s, 0.5):.1f} s"
    )
    print(f"connection resets: {tally.resets}")


if __name__ == "__main__":
    main()
