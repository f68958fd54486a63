"""Ingest, link and query a synthetic corpus of N jurisdictions, for N = 10, 100, 1,000.

For each N: `plankg synth N` writes the corpus (plans varied from the real ones, see
plankg/synth.py); ingest and link run in fresh processes, as `plankg ingest` / `plankg link`
would, and report wall time, CPU time (the machine is shared: CPU time is the steadier figure)
and peak RSS of the parent and of the largest worker; then the store's quads and size on disk,
every named query (median of 3 runs after one warm-up, each query in its own process with a
time limit), the cold start of `plankg sparql` (opening the store and answering ASK {}), and whether `oxigraph serve-read-only` over the
same store answers every named query with the same rows. The baseline, measured in the same run,
is jieba alone segmenting the same cleaned text (a sample of the plans, scaled by characters and
divided by the number of workers): the floor of any jieba pipeline. Growth exponents are
log(time ratio) / log(size ratio) between consecutive N, with characters as the size.

Not a test: it prints and never fails.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 10 100 1000] [--max-n 100] [--jobs 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PLANKG = str(Path(PYTHON).with_name("plankg"))
OXIGRAPH = str(Path(PYTHON).with_name("oxigraph"))
QUERY_LIMIT_S = 120.0
QUERY_RUNS = 3

STAGE = """
import json, resource, sys, time
wall, cpu = time.perf_counter(), time.process_time()
from plankg.store import open_store, journal_path
stage, store_dir, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = open_store(store_dir)
out = {}
if stage == "ingest":
    from plankg.ingest.document import plan_files
    from plankg.ingest.pipeline import ingest
    files = plan_files([sys.argv[4]])
    report = ingest(files, store, jobs=jobs, journal=journal_path(store_dir))
    out["plans"] = len(report.results)
    out["errors"] = len(report.errors)
else:
    from plankg.link import link_store
    report = link_store(store, jobs=jobs)
    out["links"] = report.total
    out["measures"] = report.measures
    out["timings"] = report.timings
out["quads"] = len(store)
del store
import re
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
# the parent's peak from VmHWM: ru_maxrss would carry the benchmark's own peak across exec
hwm = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
out.update(wall=time.perf_counter() - wall, cpu=time.process_time() - cpu,
           cpu_workers=kids.ru_utime + kids.ru_stime, rss_mb=hwm / 1024,
           rss_workers_mb=kids.ru_maxrss / 1024)
print(json.dumps(out))
"""

QUERY = """
import json, statistics, sys, time
from plankg.query import run_named
from plankg.store import open_store
store = open_store(sys.argv[1], read_only=True)
run_named(store, sys.argv[2])
times = []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter()
    _, rows = run_named(store, sys.argv[2])
    times.append(time.perf_counter() - t)
print(json.dumps({"median": statistics.median(times), "rows": len(rows)}))
"""

JIEBA = """
import json, logging, sys, time
import jieba
jieba.setLogLevel(logging.WARNING)
from plankg.ingest.clean import clean
from plankg.ingest.read import read_plan
texts = [clean(read_plan(p).text).text for p in sys.argv[1:]]
jieba.initialize()
t, c = time.perf_counter(), time.process_time()
for text in texts:
    jieba.lcut(text)
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
                  "chars": sum(map(len, texts))}))
"""


def _json(cmd: list[str], env: dict[str, str], timeout: float | None = None) -> dict:
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _same_answers(store_dir: Path, names: list[str], env: dict[str, str]) -> tuple[int, int]:
    """(queries compared, queries whose rows differ) between the embedded store and
    `oxigraph serve-read-only` over the same files."""
    from plankg.query import run_named
    from plankg.remote import RemoteStore
    from plankg.store import open_store

    port = _free_port()
    server = subprocess.Popen(
        [OXIGRAPH, "serve-read-only", "-l", str(store_dir), "-b", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        local = open_store(store_dir, read_only=True)
        remote = RemoteStore(f"http://127.0.0.1:{port}/query")
        differ = 0
        for name in names:
            a = run_named(local, name)[1]
            b = run_named(remote, name)[1]
            key = lambda rows: sorted(json.dumps(r, sort_keys=True) for r in rows)  # noqa: E731
            differ += key(a) != key(b)
        del local
        return len(names), differ
    finally:
        server.terminate()
        server.wait(timeout=10)


def _exponent(a: float, b: float, size_a: float, size_b: float) -> float:
    return math.log(b / a) / math.log(size_b / size_a) if a > 0 and b > 0 else float("nan")


def measure(n: int, work: Path, jobs: int) -> dict:
    from plankg.query import named_queries
    from plankg.synth import synthesize

    corpus = synthesize(n, work / f"corpus-{n}")
    store_dir = work / f"store-{n}"
    env = {**os.environ, "PLANKG_GAZETTEER": str(corpus.gazetteer)}
    r: dict = {"n": n, "plans": corpus.plans, "chars": corpus.characters}
    print(f"N={n}: {corpus.plans} plans, {corpus.characters:,} characters; ingesting …", flush=True)
    r["ingest"] = _json(
        [PYTHON, "-c", STAGE, "ingest", str(store_dir), str(jobs), str(corpus.folder)], env
    )
    print(f"N={n}: ingested in {r['ingest']['wall']:.1f} s; linking …", flush=True)
    r["link"] = _json([PYTHON, "-c", STAGE, "link", str(store_dir), str(jobs)], env)
    r["quads"] = r["link"]["quads"]
    r["store_mb"] = _du(store_dir) / 1e6
    sample = sorted(corpus.folder.glob("*.txt"))[:60]
    j = _json([PYTHON, "-c", JIEBA, *map(str, sample)], env)
    r["jieba_floor"] = j["seconds"] / j["chars"] * corpus.characters / jobs
    r["jieba_cpu"] = j["cpu"] / j["chars"] * corpus.characters
    names = sorted(named_queries())
    r["queries"] = {}
    for name in names:
        try:
            q = _json(
                [PYTHON, "-c", QUERY, str(store_dir), name, str(QUERY_RUNS)],
                env,
                timeout=QUERY_LIMIT_S,
            )
            r["queries"][name] = q["median"]
        except subprocess.TimeoutExpired:
            r["queries"][name] = float("inf")
    starts = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(
            # the start of the command, not a query's work: ASK {} on the store
            [PLANKG, "sparql", "ASK {}", "--store", str(store_dir), "--format", "csv"],
            capture_output=True,
            env=env,
            check=True,
        )
        starts.append(time.perf_counter() - t)
    r["cold_start"] = statistics.median(starts)
    finite = [name for name, t in r["queries"].items() if math.isfinite(t)]
    r["served"] = _same_answers(store_dir, finite, env)
    return r


def report(r: dict) -> None:
    i, k = r["ingest"], r["link"]
    print(
        f"\nN = {r['n']}: {r['plans']} plans, {r['chars']:,} characters, {r['quads']:,} quads, "
        f"store {r['store_mb']:.0f} MB, {k['measures']:,} measures, {k['links']:,} links"
    )
    print(
        f"  ingest {i['wall']:8.1f} s wall, CPU {i['cpu']:.1f} s parent + "
        f"{i['cpu_workers']:.1f} s workers; peak RSS {i['rss_mb']:.0f} MB parent, "
        f"{i['rss_workers_mb']:.0f} MB largest worker"
    )
    print(
        f"  jieba floor (same text, same workers) {r['jieba_floor']:.1f} s → ingest / jieba = "
        f"{i['wall'] / r['jieba_floor']:.2f} (wall); CPU: jieba {r['jieba_cpu']:.1f} s → "
        f"ingest / jieba = {(i['cpu'] + i['cpu_workers']) / r['jieba_cpu']:.2f}"
    )
    stages = ", ".join(f"{s} {t:.1f}" for s, t in k["timings"].items())
    print(
        f"  link   {k['wall']:8.1f} s wall, CPU {k['cpu']:.1f} s parent + "
        f"{k['cpu_workers']:.1f} s workers; peak RSS {k['rss_mb']:.0f} MB parent, "
        f"{k['rss_workers_mb']:.0f} MB largest worker ({stages})"
    )
    q = r["queries"]
    finite = sorted(t for t in q.values() if math.isfinite(t))
    print(
        f"  named queries: median {1000 * statistics.median(q.values()):.0f} ms over {len(q)}"
        f" (slowest: "
        + ", ".join(
            f"{name} {1000 * t:.0f} ms" for name, t in sorted(q.items(), key=lambda x: -x[1])[:4]
        )
        + ")"
        + (f"; {len(q) - len(finite)} over {QUERY_LIMIT_S:.0f} s" if len(finite) < len(q) else "")
    )
    print(
        f"  `plankg sparql` cold start {r['cold_start']:.2f} s; oxigraph serve-read-only: "
        f"{r['served'][0] - r['served'][1]} of {r['served'][0]} queries answer the same rows"
    )


def main() -> None:
    global QUERY_LIMIT_S, QUERY_RUNS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--max-n", type=int, default=None, help="stop after this N")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="keep corpora and stores here (default: a temporary folder)",
    )
    parser.add_argument(
        "--query-limit",
        type=float,
        default=QUERY_LIMIT_S,
        help="seconds a query process may take (default 120)",
    )
    parser.add_argument(
        "--query-runs",
        type=int,
        default=QUERY_RUNS,
        help="timed runs of each query after the warm-up (default 3)",
    )
    args = parser.parse_args()
    QUERY_LIMIT_S, QUERY_RUNS = args.query_limit, args.query_runs
    sizes = [n for n in sorted(args.sizes) if args.max_n is None or n <= args.max_n]
    results = []
    with tempfile.TemporaryDirectory(prefix="plankg-bench-scale-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(
            f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
            "(other work on the machine inflates wall times)",
            flush=True,
        )
        for n in sizes:
            results.append(measure(n, work, args.jobs))
            report(results[-1])
    for a, b in itertools.pairwise(results):
        size = (a["chars"], b["chars"])
        print(
            f"\nN {a['n']} → {b['n']} (characters ×{b['chars'] / a['chars']:.1f}): exponents "
            f"ingest {_exponent(a['ingest']['wall'], b['ingest']['wall'], *size):.2f} wall / "
            f"{_exponent(a['ingest']['cpu'] + a['ingest']['cpu_workers'], b['ingest']['cpu'] + b['ingest']['cpu_workers'], *size):.2f} CPU, "
            f"link {_exponent(a['link']['wall'], b['link']['wall'], *size):.2f} wall / "
            f"{_exponent(a['link']['cpu'] + a['link']['cpu_workers'], b['link']['cpu'] + b['link']['cpu_workers'], *size):.2f} CPU, "
            f"query median {_exponent(statistics.median(a['queries'].values()), statistics.median(b['queries'].values()), *size):.2f}"
        )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
