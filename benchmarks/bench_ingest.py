"""Full ingest of data/plans against jieba alone segmenting the same cleaned text, in one run.

Each measurement runs in a fresh subprocess (so jieba's dictionary load and imports are paid the
same way on both sides) and reports wall time and peak memory (max RSS). The figure to watch is
the ratio ingest / jieba; the issue aims for under 2. Not a test: it prints and never fails.

    .venv/bin/python benchmarks/bench_ingest.py [--repeat N] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "data" / "plans"

JIEBA = """
import json, resource, sys, time, logging
t0 = time.perf_counter()
import jieba
jieba.setLogLevel(logging.WARNING)
from plankg.ingest.clean import clean
from plankg.ingest.read import read_plan
texts = [clean(read_plan(p).text).text for p in sys.argv[1:]]
jieba.initialize()
n = sum(len(jieba.lcut(t)) for t in texts)
print(json.dumps({"seconds": time.perf_counter() - t0, "tokens": n,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

INGEST = """
import json, resource, sys, time
t0 = time.perf_counter()
from plankg.ingest.pipeline import ingest
from plankg.store import open_store
store = open_store(sys.argv[1])
report = ingest(sys.argv[3:], store, jobs=int(sys.argv[2]))
triples = sum(r.counts["triples"] for r in report.results)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - t0, "triples": triples, "max_rss_mb": rss,
                  "max_rss_children_mb": children}))
"""


def _run(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    files = [str(p) for p in sorted(PLANS.glob("*.txt"))]
    jobs = str(args.jobs or 2)
    jieba_runs, ingest_runs = [], []
    for _ in range(args.repeat):
        jieba_runs.append(_run(JIEBA, *files))
        with tempfile.TemporaryDirectory() as store:
            ingest_runs.append(_run(INGEST, store, jobs, *files))
    j = statistics.median(r["seconds"] for r in jieba_runs)
    i = statistics.median(r["seconds"] for r in ingest_runs)
    print(f"{len(files)} plans, median of {args.repeat} runs, fresh process each")
    print(
        f"jieba alone (load + lcut of cleaned text): {j:6.2f} s, "
        f"peak {max(r['max_rss_mb'] for r in jieba_runs):.0f} MB"
    )
    print(
        f"full ingest, {jobs} jobs:                  {i:6.2f} s, "
        f"peak {max(r['max_rss_mb'] for r in ingest_runs):.0f} MB (parent), "
        f"{max(r['max_rss_children_mb'] for r in ingest_runs):.0f} MB (largest worker), "
        f"{ingest_runs[0]['triples']:,} triples"
    )
    print(f"ratio ingest / jieba: {i / j:.2f}")


if __name__ == "__main__":
    main()
