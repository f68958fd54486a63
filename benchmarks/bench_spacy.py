"""Does the spaCy work slow the default ingest? And what do the spaCy components cost?

In one run, each in fresh subprocesses, alternating, medians of `--repeat` runs:

1. **ingest before / after**: the per-plan ingest (`process_plan`, read → … → triples) of
   data/plans with the plankg of the commit before the spaCy components were added (exported
   with `git archive` into a temporary package tree) against the plankg of this working tree.
   The figure to watch is after / before; the issue aims at ≤ 1.1×. Both sides also report
   whether spaCy got imported (it must not be).
2. **spaCy pipeline**: `plankg.nlp()` over the five plans' texts against the same facts without
   spaCy (`plan_facts(load_text(text))`) and against jieba alone (`jieba.lcut`).

Not a test: it prints and never fails.

    .venv/bin/python benchmarks/bench_spacy.py [--repeat N] [--baseline REV]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLANS = sorted((ROOT / "data" / "plans").glob("*.txt"))
# setuptools' package-dir mapping (pyproject.toml), rebuilt by hand for the baseline tree
PACKAGE_DIRS = {
    "plankg": "plankg",
    "plankg/ingest": "ingest",
    "plankg/queries": "queries",
    "plankg/ontology": "ontology",
    "plankg/data": "data",
}

INGEST = """
import json, sys, time
t0 = time.perf_counter()
import plankg
from plankg.ingest.pipeline import process_plan
triples = sum(process_plan(p).counts["triples"] for p in sys.argv[1:])
print(json.dumps({"seconds": time.perf_counter() - t0, "triples": triples,
                  "spacy_imported": "spacy" in sys.modules, "plankg": plankg.__file__}))
"""

PIPELINE = """
import json, sys, time
texts = [open(p, encoding="utf-8-sig").read() for p in sys.argv[2:]]
t0 = time.perf_counter()
from plankg.ingest.extract_measures import domain_jieba
jieba = domain_jieba()
if sys.argv[1] == "spacy":
    import plankg
    nlp = plankg.nlp()
    t1 = time.perf_counter()
    n = sum(sum(len(g) for g in nlp(t).spans.values()) for t in texts)
elif sys.argv[1] == "facts":
    from plankg.facts import plan_facts
    from plankg.ingest.document import load_text
    t1 = time.perf_counter()
    n = sum(len(plan_facts(load_text(t))) for t in texts)
else:
    t1 = time.perf_counter()
    n = sum(len(jieba.lcut(t)) for t in texts)
t2 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "seconds": t2 - t1, "items": n}))
"""


def baseline_revision() -> str:
    """The parent of the commit that added plankg/components.py."""
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "plankg/components.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if not added:
        raise SystemExit("plankg/components.py is not committed yet: give --baseline REV")
    return added[-1] + "^"


def baseline_tree(revision: str, into: Path) -> Path:
    """The package of `revision` laid out as installed (plankg, plankg.ingest, …)."""
    archive = into / "src.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", revision], cwd=ROOT, stdout=out, check=True)
    src = into / "src"
    with tarfile.open(archive) as tar:
        tar.extractall(src, filter="data")
    site = into / "site"
    for target, source in PACKAGE_DIRS.items():
        shutil.copytree(src / source, site / target, dirs_exist_ok=True)
    return site


def run(code: str, args: list[str], pythonpath: Path | None = None) -> dict:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=pythonpath or ROOT,
        check=True,
        timeout=1800,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--baseline", help="git revision to compare with (default: before the spaCy components)"
    )
    args = parser.parse_args()
    revision = args.baseline or baseline_revision()
    plans = [str(p) for p in PLANS]
    with tempfile.TemporaryDirectory() as tmp:
        site = baseline_tree(revision, Path(tmp))
        before, after = [], []
        for _ in range(args.repeat):  # alternate, so that machine noise hits both sides alike
            before.append(run(INGEST, plans, site))
            after.append(run(INGEST, plans))
    assert before[0]["plankg"].startswith(tmp), before[0]["plankg"]
    b = statistics.median(r["seconds"] for r in before)
    a = statistics.median(r["seconds"] for r in after)
    print(f"ingest of {len(plans)} plans, median of {args.repeat} (fresh processes, one job):")
    print(
        f"  before ({revision}): {b:.2f} s, {before[0]['triples']} triples, spaCy imported: "
        f"{before[0]['spacy_imported']}"
    )
    print(
        f"  after (working tree): {a:.2f} s, {after[0]['triples']} triples, spaCy imported: "
        f"{after[0]['spacy_imported']}"
    )
    print(f"  ratio after / before: {a / b:.2f}x (aim ≤ 1.1x)")

    rows = {kind: [] for kind in ("jieba", "facts", "spacy")}
    for _ in range(args.repeat):
        for kind in rows:
            rows[kind].append(run(PIPELINE, [kind, *plans]))
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in rows.items()}
    load = {k: statistics.median(r["load"] for r in v) for k, v in rows.items()}
    print(f"\nthe five plans' texts, median of {args.repeat}; load = imports and dictionaries:")
    for kind, what, unit in (
        ("jieba", "jieba.lcut alone", "tokens"),
        ("facts", "plan_facts(load_text(text))", "facts"),
        ("spacy", "plankg.nlp(), 5 components", "spans"),
    ):
        print(
            f"  {what:<30} load {load[kind]:.2f} s, run {med[kind]:.2f} s, "
            f"{rows[kind][0]['items']} {unit}"
        )
    print(
        f"  ratio spaCy pipeline / facts without spaCy: {med['spacy'] / med['facts']:.2f}x; "
        f"/ jieba alone: {med['spacy'] / med['jieba']:.2f}x"
    )


if __name__ == "__main__":
    main()
