"""Extraction time against plan size: 1, 2, 4 and 8 MB plans made by repeating the seed plans.

For each size it times every per-document stage (clean, outline, metadata, the three extractors,
the RDF mapping) and prints the times and their ratio to the 1 MB run. Linear extraction shows
ratios near 2, 4, 8; a stage whose ratio grows faster is super-linear. Not a test: it prints
figures and never fails on speed.

    .venv/bin/python benchmarks/bench_size.py [--sizes 1,2,4,8] [--stages all]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "data" / "plans").glob("*.txt"))
MB = 1024 * 1024


def make_plan(size_mb: float, folder: Path) -> Path:
    """A plan of about `size_mb` MB of UTF-8: the seed plans one after another, repeated, cut at
    a line end."""
    seed = "\n".join(p.read_text(encoding="utf-8") for p in SEEDS) + "\n"
    target = int(size_mb * MB)
    data = seed.encode("utf-8")
    text = seed * (target // len(data) + 1)
    raw = text.encode("utf-8")[:target]
    cut = raw.rfind(b"\n")
    path = folder / f"plan-{size_mb:g}mb.txt"
    path.write_bytes(raw[: cut + 1])
    return path


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def stages(path: Path) -> dict[str, float]:
    """Seconds per stage for one plan file."""
    from plankg.ingest.clean import clean
    from plankg.ingest.document import Document
    from plankg.ingest.extract_measures import extract_measures
    from plankg.ingest.extract_projects import extract_projects
    from plankg.ingest.extract_targets import extract_targets
    from plankg.ingest.metadata import extract_metadata
    from plankg.ingest.rdf import map_document
    from plankg.ingest.read import read_plan
    from plankg.ingest.segment import outline

    out: dict[str, float] = {}
    out["read"], raw = _timed(lambda: read_plan(path))
    out["clean"], cleaned = _timed(lambda: clean(raw.text))
    out["outline"], tree = _timed(lambda: outline(cleaned))
    notice = next((s for s in tree.children if s.kind == "notice"), None)
    out["metadata"], meta = _timed(
        lambda: extract_metadata(cleaned.text, notice_end=notice.end if notice else None)
    )
    doc = Document(path, raw, cleaned, tree, meta)
    out["measures"], measures = _timed(lambda: list(extract_measures(doc)))
    out["targets"], targets = _timed(lambda: list(extract_targets(doc)))
    out["projects"], projects = _timed(lambda: list(extract_projects(doc)))
    out["map"], _ = _timed(
        lambda: map_document(doc, measures=measures, targets=targets, projects=projects)
    )
    out["total"] = sum(out.values())
    return out


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,4,8", help="plan sizes in MB (default 1,2,4,8)")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        stages(make_plan(0.05, Path(tmp)))  # warm imports, dictionaries and compiled patterns
        results = {}
        for size in sizes:
            results[size] = stages(make_plan(size, Path(tmp)))
            row = "  ".join(f"{k} {v:6.2f}" for k, v in results[size].items())
            print(f"{size:g} MB: {row}", flush=True)
    base = sizes[0]
    print(f"\ntime ratio against {base:g} MB (linear = size ratio)")
    names = list(results[base])
    print("size   " + " ".join(f"{n:>9}" for n in names))
    for size in sizes:
        ratios = [results[size][n] / max(results[base][n], 1e-6) for n in names]
        print(
            f"{size:>4g}x  " + " ".join(f"{r:9.2f}" for r in ratios) + f"   (size x{size / base:g})"
        )


if __name__ == "__main__":
    main()
