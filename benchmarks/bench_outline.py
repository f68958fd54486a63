"""Throughput of read + clean + outline over the five plans and the two parent plans.

Reported against the machine's own figure for simply reading the same files in the same run, so
the ratio means something on any machine. Not a test: it prints figures and never fails on speed.

    .venv/bin/python benchmarks/bench_outline.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from plankg.ingest.clean import clean
from plankg.ingest.document import load_plan
from plankg.ingest.read import read_plan
from plankg.ingest.segment import outline

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "data" / "plans").glob("*.txt")) + sorted(
    (ROOT.parent / "shared" / "parents").glob("*.txt")
)


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    files = [f for f in FILES if f.exists()]
    chars = sum(len(read_plan(f).text) for f in files)
    load_plan(files[0])  # warm imports and compiled patterns

    read_bytes = _median(lambda: [f.read_bytes() for f in files], args.repeat)
    read_text = _median(lambda: [read_plan(f) for f in files], args.repeat)
    raws = [read_plan(f).text for f in files]
    cleaning = _median(lambda: [clean(r) for r in raws], args.repeat)
    cleaned = [clean(r) for r in raws]
    outlining = _median(lambda: [outline(c) for c in cleaned], args.repeat)
    full = _median(lambda: [load_plan(f) for f in files], args.repeat)

    print(f"{len(files)} files, {chars:,} characters, median of {args.repeat} runs")
    print(f"{'stage':<28}{'ms':>9}{'× read bytes':>14}{'chars/s':>14}")
    for name, t in (
        ("read bytes (baseline)", read_bytes),
        ("read + decode", read_text),
        ("clean", cleaning),
        ("outline (incl. tables)", outlining),
        ("read+clean+outline+meta", full),
    ):
        print(f"{name:<28}{t * 1000:>9.1f}{t / read_bytes:>14.0f}{chars / t:>14,.0f}")


if __name__ == "__main__":
    main()
