"""The PDF reader against the bare text extraction of the same library, on the 26 corpus PDFs.

Measured in one run, each side in a fresh subprocess:

* floor: pypdfium2 opens every PDF and extracts the text of every page (`get_text_range`), the
  least any reader of the text layer must do;
* reader: `plankg.ingest.readers.pdf.read` (lines with positions, headers and footers, paragraphs,
  ruled tables with pdfplumber on the pages that draw rules);
* document: `load_plan` (reader + cleaner + outline + metadata);
* ingest: the 26 PDFs through `plankg.ingest.pipeline.ingest` into an in-memory store with all
  workers, and with one worker in a process of its own, whose peak memory (max RSS) is reported.

Prints the ratios reader / floor and document / floor (the issue aims for ≤ 2× on the reader),
and a table per file. Not a test: it prints and never fails.

    .venv/bin/python benchmarks/bench_pdf.py [--corpus DIR] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"

FLOOR = """
import json, sys, time
import pypdfium2 as pdfium
out = {}
for path in sys.argv[1:]:
    t0 = time.perf_counter()
    pdf = pdfium.PdfDocument(path)
    n = 0
    for i in range(len(pdf)):
        page = pdf[i]
        tp = page.get_textpage()
        n += len(tp.get_text_range())
        tp.close(); page.close()
    pdf.close()
    out[path] = {"seconds": time.perf_counter() - t0, "chars": n}
print(json.dumps(out))
"""

READER = """
import json, sys, time
from pathlib import Path
from plankg.ingest.readers.base import Limits
from plankg.ingest.readers.pdf import read
import pypdfium2, pdfplumber  # imports paid before timing, as the floor's are
out = {}
for path in sys.argv[1:]:
    t0 = time.perf_counter()
    layout = read(Path(path), Limits())
    out[path] = {"seconds": time.perf_counter() - t0, "ruled_pages": layout.stats["ruled_pages"]}
print(json.dumps(out))
"""

DOCUMENT = """
import json, sys, time
from plankg.ingest.document import load_plan
import pypdfium2, pdfplumber
out = {}
for path in sys.argv[1:]:
    t0 = time.perf_counter()
    doc = load_plan(path)
    tables = [s for s in doc.outline.walk() if s.kind == "table"]
    out[path] = {"seconds": time.perf_counter() - t0, "pages": doc.pages, "chars": len(doc.text),
                 "segments": sum(1 for _ in doc.outline.walk()), "tables": len(tables),
                 "rows": sum(len(t.children) for t in tables)}
print(json.dumps(out))
"""

INGEST = """
import json, resource, sys, time
import pyoxigraph as ox
from plankg.ingest.pipeline import ingest
jobs = int(sys.argv[1])
t0 = time.perf_counter()
report = ingest(sys.argv[2:], ox.Store(), jobs=jobs)
print(json.dumps({"seconds": time.perf_counter() - t0, "plans": len(report.results),
                  "errors": report.errors,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "children_max_rss_mb":
                      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def _run(script: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    files = [str(p) for p in sorted(args.corpus.glob("*.pdf"))]
    if not files:
        raise SystemExit(f"no PDFs in {args.corpus}")
    floor = _run(FLOOR, *files)
    reader = _run(READER, *files)
    document = _run(DOCUMENT, *files)
    print(
        f"{'file':48} {'pages':>5} {'chars':>7} {'segments':>8} {'tables':>6} {'rows':>5} "
        f"{'floor s':>7} {'reader s':>8} {'doc s':>6} {'ruled':>5}"
    )
    for f in files:
        d = document[f]
        print(
            f"{Path(f).name:48} {d['pages']:5} {d['chars']:7} {d['segments']:8} "
            f"{d['tables']:6} {d['rows']:5} {floor[f]['seconds']:7.2f} "
            f"{reader[f]['seconds']:8.2f} {d['seconds']:6.2f} {reader[f]['ruled_pages']:5}"
        )
    t_floor = sum(v["seconds"] for v in floor.values())
    t_reader = sum(v["seconds"] for v in reader.values())
    t_doc = sum(v["seconds"] for v in document.values())
    unruled = [f for f in files if reader[f]["ruled_pages"] == 0]
    t_floor_u = sum(floor[f]["seconds"] for f in unruled)
    t_reader_u = sum(reader[f]["seconds"] for f in unruled)
    print(f"\nfloor (pypdfium2 text of every page): {t_floor:.2f} s")
    print(
        f"PDF reader:                           {t_reader:.2f} s  ratio {t_reader / t_floor:.2f}×"
    )
    print(
        f"  on the {len(unruled)} files without ruled pages: ratio "
        f"{t_reader_u / max(t_floor_u, 1e-9):.2f}×"
    )
    print(f"document (reader+clean+outline):      {t_doc:.2f} s  ratio {t_doc / t_floor:.2f}×")
    many = _run(INGEST, str(args.jobs), *files)
    one = _run(INGEST, "1", *files)
    print(
        f"\ningest of {len(files)} PDFs, {args.jobs} workers: {many['seconds']:.1f} s "
        f"({many['plans']} plans, {len(many['errors'])} errors)"
    )
    print(
        f"ingest with one worker (in process): {one['seconds']:.1f} s, "
        f"peak memory {one['max_rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
